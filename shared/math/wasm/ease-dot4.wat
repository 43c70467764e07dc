(module
  (type (;0;) (func (param i32 i32 i32 i32 i32 i32 i32)))
  (type (;1;) (func (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "env" "mem" (memory (;0;) 1))
  (func $dot4 (type 0) (param $x i32) (param $y0 i32) (param $y1 i32) (param $y2 i32) (param $y3 i32) (param $len i32) (param $out i32)
    (local $end i32) (local $s0 v128) (local $t0 v128) (local $s1 v128) (local $t1 v128) (local $s2 v128) (local $t2 v128) (local $s3 v128) (local $t3 v128) (local $v v128) (local $w v128)
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s0
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $t0
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s1
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $t1
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s2
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $t2
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s3
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $t3
    local.get $x
    local.get $len
    i32.const -4
    i32.and
    i32.const 8
    i32.mul
    i32.add
    local.set $end
    block  ;; label = @1
      local.get $x
      local.get $end
      i32.ge_u
      br_if 0 (;@1;)
      loop  ;; label = @2
        local.get $x
        v128.load align=8
        local.set $v
        local.get $x
        v128.load offset=16 align=8
        local.set $w
        local.get $s0
        local.get $v
        local.get $y0
        v128.load align=8
        f64x2.mul
        f64x2.add
        local.set $s0
        local.get $t0
        local.get $w
        local.get $y0
        v128.load offset=16 align=8
        f64x2.mul
        f64x2.add
        local.set $t0
        local.get $y0
        i32.const 32
        i32.add
        local.set $y0
        local.get $s1
        local.get $v
        local.get $y1
        v128.load align=8
        f64x2.mul
        f64x2.add
        local.set $s1
        local.get $t1
        local.get $w
        local.get $y1
        v128.load offset=16 align=8
        f64x2.mul
        f64x2.add
        local.set $t1
        local.get $y1
        i32.const 32
        i32.add
        local.set $y1
        local.get $s2
        local.get $v
        local.get $y2
        v128.load align=8
        f64x2.mul
        f64x2.add
        local.set $s2
        local.get $t2
        local.get $w
        local.get $y2
        v128.load offset=16 align=8
        f64x2.mul
        f64x2.add
        local.set $t2
        local.get $y2
        i32.const 32
        i32.add
        local.set $y2
        local.get $s3
        local.get $v
        local.get $y3
        v128.load align=8
        f64x2.mul
        f64x2.add
        local.set $s3
        local.get $t3
        local.get $w
        local.get $y3
        v128.load offset=16 align=8
        f64x2.mul
        f64x2.add
        local.set $t3
        local.get $y3
        i32.const 32
        i32.add
        local.set $y3
        local.get $x
        i32.const 32
        i32.add
        local.tee $x
        local.get $end
        i32.lt_u
        br_if 0 (;@2;)
      end
    end
    local.get $out
    local.get $s0
    local.get $t0
    f64x2.add
    local.set $v
    local.get $v
    f64x2.extract_lane 0
    local.get $v
    f64x2.extract_lane 1
    f64.add
    f64.store
    local.get $out
    local.get $s1
    local.get $t1
    f64x2.add
    local.set $v
    local.get $v
    f64x2.extract_lane 0
    local.get $v
    f64x2.extract_lane 1
    f64.add
    f64.store offset=8
    local.get $out
    local.get $s2
    local.get $t2
    f64x2.add
    local.set $v
    local.get $v
    f64x2.extract_lane 0
    local.get $v
    f64x2.extract_lane 1
    f64.add
    f64.store offset=16
    local.get $out
    local.get $s3
    local.get $t3
    f64x2.add
    local.set $v
    local.get $v
    f64x2.extract_lane 0
    local.get $v
    f64x2.extract_lane 1
    f64.add
    f64.store offset=24)
  (func $dot2x4 (type 1) (param $x0 i32) (param $x1 i32) (param $y0 i32) (param $y1 i32) (param $y2 i32) (param $y3 i32) (param $len i32) (param $out i32)
    (local $end i32) (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128) (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128) (local $u v128) (local $v v128) (local $w v128)
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s00
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s01
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s02
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s03
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s10
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s11
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s12
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $s13
    local.get $x0
    local.get $len
    i32.const -2
    i32.and
    i32.const 8
    i32.mul
    i32.add
    local.set $end
    block  ;; label = @1
      local.get $x0
      local.get $end
      i32.ge_u
      br_if 0 (;@1;)
      loop  ;; label = @2
        local.get $x0
        v128.load align=8
        local.set $u
        local.get $x1
        v128.load align=8
        local.set $v
        local.get $y0
        v128.load align=8
        local.set $w
        local.get $s00
        local.get $u
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s00
        local.get $s10
        local.get $v
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s10
        local.get $y0
        i32.const 16
        i32.add
        local.set $y0
        local.get $y1
        v128.load align=8
        local.set $w
        local.get $s01
        local.get $u
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s01
        local.get $s11
        local.get $v
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s11
        local.get $y1
        i32.const 16
        i32.add
        local.set $y1
        local.get $y2
        v128.load align=8
        local.set $w
        local.get $s02
        local.get $u
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s02
        local.get $s12
        local.get $v
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s12
        local.get $y2
        i32.const 16
        i32.add
        local.set $y2
        local.get $y3
        v128.load align=8
        local.set $w
        local.get $s03
        local.get $u
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s03
        local.get $s13
        local.get $v
        local.get $w
        f64x2.mul
        f64x2.add
        local.set $s13
        local.get $y3
        i32.const 16
        i32.add
        local.set $y3
        local.get $x1
        i32.const 16
        i32.add
        local.set $x1
        local.get $x0
        i32.const 16
        i32.add
        local.tee $x0
        local.get $end
        i32.lt_u
        br_if 0 (;@2;)
      end
    end
    local.get $out
    local.get $s00
    f64x2.extract_lane 0
    local.get $s00
    f64x2.extract_lane 1
    f64.add
    f64.store
    local.get $out
    local.get $s01
    f64x2.extract_lane 0
    local.get $s01
    f64x2.extract_lane 1
    f64.add
    f64.store offset=8
    local.get $out
    local.get $s02
    f64x2.extract_lane 0
    local.get $s02
    f64x2.extract_lane 1
    f64.add
    f64.store offset=16
    local.get $out
    local.get $s03
    f64x2.extract_lane 0
    local.get $s03
    f64x2.extract_lane 1
    f64.add
    f64.store offset=24
    local.get $out
    local.get $s10
    f64x2.extract_lane 0
    local.get $s10
    f64x2.extract_lane 1
    f64.add
    f64.store offset=32
    local.get $out
    local.get $s11
    f64x2.extract_lane 0
    local.get $s11
    f64x2.extract_lane 1
    f64.add
    f64.store offset=40
    local.get $out
    local.get $s12
    f64x2.extract_lane 0
    local.get $s12
    f64x2.extract_lane 1
    f64.add
    f64.store offset=48
    local.get $out
    local.get $s13
    f64x2.extract_lane 0
    local.get $s13
    f64x2.extract_lane 1
    f64.add
    f64.store offset=56)
  (export "dot4" (func $dot4))
  (export "dot2x4" (func $dot2x4)))
