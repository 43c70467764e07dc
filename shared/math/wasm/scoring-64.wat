(module
  (type (;0;) (func (param i32 i32 i32 i32 i32)))
  (type (;1;) (func (param i32 i32 i32 i32 i32)))
  (type (;2;) (func (param i32 i32 i32)))
  (import "env" "mem" (memory (;0;) 1))
  (func $scores16 (type 0) (param $u i32) (param $y i32) (param $n i32) (param $rb i32) (param $out i32)
    (local $i i32) (local $pu i32) (local $py i32) (local $end i32) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $tmp v128)
    i32.const 0
    local.set $i
    loop  ;; label = @1
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      local.set $acc0
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      local.set $acc1
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      local.set $acc2
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      local.set $acc3
      local.get $u
      local.set $pu
      local.get $y
      local.set $py
      local.get $y
      local.get $rb
      i32.add
      local.set $end
      loop  ;; label = @2
        local.get $acc0
        local.get $pu
        v128.load
        local.get $py
        v128.load
        f32x4.mul
        f32x4.add
        local.set $acc0
        local.get $acc1
        local.get $pu
        v128.load offset=16
        local.get $py
        v128.load offset=16
        f32x4.mul
        f32x4.add
        local.set $acc1
        local.get $acc2
        local.get $pu
        v128.load offset=32
        local.get $py
        v128.load offset=32
        f32x4.mul
        f32x4.add
        local.set $acc2
        local.get $acc3
        local.get $pu
        v128.load offset=48
        local.get $py
        v128.load offset=48
        f32x4.mul
        f32x4.add
        local.set $acc3
        local.get $pu
        i32.const 64
        i32.add
        local.set $pu
        local.get $py
        i32.const 64
        i32.add
        local.tee $py
        local.get $end
        i32.lt_u
        br_if 0 (;@2;)
      end
      local.get $acc0
      local.get $acc1
      f32x4.add
      local.get $acc2
      f32x4.add
      local.get $acc3
      f32x4.add
      local.set $tmp
      local.get $out
      local.get $tmp
      f32x4.extract_lane 0
      local.get $tmp
      f32x4.extract_lane 1
      f32.add
      local.get $tmp
      f32x4.extract_lane 2
      local.get $tmp
      f32x4.extract_lane 3
      f32.add
      f32.add
      f32.store
      local.get $out
      i32.const 4
      i32.add
      local.set $out
      local.get $y
      local.get $rb
      i32.add
      local.set $y
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      local.get $n
      i32.lt_u
      br_if 0 (;@1;)
    end)
  (func $scores4 (type 1) (param $u i32) (param $y i32) (param $n i32) (param $rb i32) (param $out i32)
    (local $i i32) (local $pu i32) (local $py i32) (local $end i32) (local $acc0 v128) (local $tmp v128)
    i32.const 0
    local.set $i
    loop  ;; label = @1
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      local.set $acc0
      local.get $u
      local.set $pu
      local.get $y
      local.set $py
      local.get $y
      local.get $rb
      i32.add
      local.set $end
      loop  ;; label = @2
        local.get $acc0
        local.get $pu
        v128.load
        local.get $py
        v128.load
        f32x4.mul
        f32x4.add
        local.set $acc0
        local.get $pu
        i32.const 16
        i32.add
        local.set $pu
        local.get $py
        i32.const 16
        i32.add
        local.tee $py
        local.get $end
        i32.lt_u
        br_if 0 (;@2;)
      end
      local.get $acc0
      local.set $tmp
      local.get $out
      local.get $tmp
      f32x4.extract_lane 0
      local.get $tmp
      f32x4.extract_lane 1
      f32.add
      local.get $tmp
      f32x4.extract_lane 2
      local.get $tmp
      f32x4.extract_lane 3
      f32.add
      f32.add
      f32.store
      local.get $out
      i32.const 4
      i32.add
      local.set $out
      local.get $y
      local.get $rb
      i32.add
      local.set $y
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      local.get $n
      i32.lt_u
      br_if 0 (;@1;)
    end)
  (func $gram4 (type 2) (param $y i32) (param $groups i32) (param $g i32)
    (local $r i32) (local $a i32) (local $gp i32) (local $pp i32) (local $end i32) (local $ao i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    block  ;; label = @1
      local.get $groups
      i32.eqz
      br_if 0 (;@1;)
      i32.const 0
      local.set $r
      loop  ;; label = @2
        i32.const 0
        local.set $a
        local.get $y
        i32.const 256
        i32.add
        local.set $end
        loop  ;; label = @3
          local.get $y
          local.get $a
          i32.const 4
          i32.mul
          i32.add
          local.set $ao
          local.get $ao
          f32.load
          f32x4.splat
          local.set $v0
          local.get $ao
          f32.load offset=256
          f32x4.splat
          local.set $v1
          local.get $ao
          f32.load offset=512
          f32x4.splat
          local.set $v2
          local.get $ao
          f32.load offset=768
          f32x4.splat
          local.set $v3
          local.get $a
          i32.const -4
          i32.and
          i32.const 4
          i32.mul
          local.set $pp
          local.get $g
          local.get $a
          i32.const 256
          i32.mul
          i32.add
          local.get $pp
          i32.add
          local.set $gp
          local.get $y
          local.get $pp
          i32.add
          local.set $pp
          loop  ;; label = @4
            local.get $gp
            local.get $gp
            v128.load
            local.get $v0
            local.get $pp
            v128.load
            f32x4.mul
            f32x4.add
            local.get $v1
            local.get $pp
            v128.load offset=256
            f32x4.mul
            f32x4.add
            local.get $v2
            local.get $pp
            v128.load offset=512
            f32x4.mul
            f32x4.add
            local.get $v3
            local.get $pp
            v128.load offset=768
            f32x4.mul
            f32x4.add
            v128.store
            local.get $gp
            i32.const 16
            i32.add
            local.set $gp
            local.get $pp
            i32.const 16
            i32.add
            local.tee $pp
            local.get $end
            i32.lt_u
            br_if 0 (;@4;)
          end
          local.get $a
          i32.const 1
          i32.add
          local.tee $a
          i32.const 64
          i32.lt_u
          br_if 0 (;@3;)
        end
        local.get $y
        i32.const 1024
        i32.add
        local.set $y
        local.get $r
        i32.const 1
        i32.add
        local.tee $r
        local.get $groups
        i32.lt_u
        br_if 0 (;@2;)
      end
    end)
  (export "scores16" (func $scores16))
  (export "scores4" (func $scores4))
  (export "gram4" (func $gram4)))
