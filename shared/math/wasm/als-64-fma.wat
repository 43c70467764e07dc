(module
  (type (;0;) (func (param i32 i32 i32 i32 i32 i32 i32 i32 f32 i32 i32 i32 i32)))
  (type (;1;) (func (param i32 i32 i32)))
  (import "env" "mem" (memory (;0;) 1))
  (func $cgHalf (type 0) (param $indptr i32) (param $indices i32) (param $conf i32) (param $lam i32) (param $X i32) (param $Y i32) (param $G i32) (param $rows i32) (param $a0 f32) (param $steps i32) (param $r i32) (param $p i32) (param $ap i32)
    (local $u i32) (local $x i32) (local $qs i32) (local $qe i32) (local $qc0 i32) (local $qi i32) (local $qc i32) (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32) (local $it i32) (local $gp i32) (local $pp i32) (local $pend i32) (local $sink i32) (local $lamv f32) (local $rs f32) (local $rsnew f32) (local $pap f32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128) (local $sv v128) (local $wv v128) (local $a0v v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    local.get $a0
    f32x4.splat
    local.set $a0v
    block  ;; label = @1
      local.get $rows
      i32.eqz
      br_if 0 (;@1;)
      local.get $X
      local.set $x
      i32.const 0
      local.set $u
      loop  ;; label = @2
        block  ;; label = @3
          local.get $indptr
          i32.load
          i32.const 4
          i32.mul
          local.set $qs
          local.get $conf
          local.get $qs
          i32.add
          local.set $qc0
          local.get $indices
          local.get $indptr
          i32.load offset=4
          i32.const 4
          i32.mul
          i32.add
          local.set $qe
          local.get $indices
          local.get $qs
          i32.add
          local.set $qs
          local.get $lam
          f32.load
          local.set $lamv
          block  ;; label = @4
            local.get $u
            i32.const 1
            i32.add
            local.get $rows
            i32.ge_u
            br_if 0 (;@4;)
            local.get $indices
            local.get $indptr
            i32.load offset=4
            i32.const 4
            i32.mul
            i32.add
            local.set $pp
            local.get $indices
            local.get $indptr
            i32.load offset=8
            i32.const 4
            i32.mul
            i32.add
            local.set $pend
            local.get $pp
            local.get $pend
            i32.ge_u
            br_if 0 (;@4;)
            loop  ;; label = @5
              local.get $Y
              local.get $pp
              i32.load
              i32.const 256
              i32.mul
              i32.add
              local.set $gp
              local.get $sink
              local.get $gp
              i32.load
              i32.add
              local.set $sink
              local.get $sink
              local.get $gp
              i32.load offset=64
              i32.add
              local.set $sink
              local.get $sink
              local.get $gp
              i32.load offset=128
              i32.add
              local.set $sink
              local.get $sink
              local.get $gp
              i32.load offset=192
              i32.add
              local.set $sink
              local.get $pp
              i32.const 4
              i32.add
              local.tee $pp
              local.get $pend
              i32.lt_u
              br_if 0 (;@5;)
            end
          end
          local.get $lamv
          f32x4.splat
          local.set $sv
          local.get $r
          local.get $sv
          local.get $x
          v128.load
          f32x4.mul
          v128.store
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=16
          f32x4.mul
          v128.store offset=16
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=32
          f32x4.mul
          v128.store offset=32
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=48
          f32x4.mul
          v128.store offset=48
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=64
          f32x4.mul
          v128.store offset=64
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=80
          f32x4.mul
          v128.store offset=80
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=96
          f32x4.mul
          v128.store offset=96
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=112
          f32x4.mul
          v128.store offset=112
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=128
          f32x4.mul
          v128.store offset=128
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=144
          f32x4.mul
          v128.store offset=144
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=160
          f32x4.mul
          v128.store offset=160
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=176
          f32x4.mul
          v128.store offset=176
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=192
          f32x4.mul
          v128.store offset=192
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=208
          f32x4.mul
          v128.store offset=208
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=224
          f32x4.mul
          v128.store offset=224
          local.get $r
          local.get $sv
          local.get $x
          v128.load offset=240
          f32x4.mul
          v128.store offset=240
          local.get $G
          local.set $gp
          local.get $x
          local.tee $pp
          i32.const 256
          i32.add
          local.set $pend
          loop  ;; label = @4
            local.get $pp
            f32.load
            f32x4.splat
            local.set $w0
            local.get $pp
            f32.load offset=4
            f32x4.splat
            local.set $w1
            local.get $pp
            f32.load offset=8
            f32x4.splat
            local.set $w2
            local.get $pp
            f32.load offset=12
            f32x4.splat
            local.set $w3
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=768
            local.get $w2
            local.get $gp
            v128.load offset=512
            local.get $w1
            local.get $gp
            v128.load offset=256
            local.get $w0
            local.get $gp
            v128.load
            local.get $r
            v128.load
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=784
            local.get $w2
            local.get $gp
            v128.load offset=528
            local.get $w1
            local.get $gp
            v128.load offset=272
            local.get $w0
            local.get $gp
            v128.load offset=16
            local.get $r
            v128.load offset=16
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=16
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=800
            local.get $w2
            local.get $gp
            v128.load offset=544
            local.get $w1
            local.get $gp
            v128.load offset=288
            local.get $w0
            local.get $gp
            v128.load offset=32
            local.get $r
            v128.load offset=32
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=32
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=816
            local.get $w2
            local.get $gp
            v128.load offset=560
            local.get $w1
            local.get $gp
            v128.load offset=304
            local.get $w0
            local.get $gp
            v128.load offset=48
            local.get $r
            v128.load offset=48
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=48
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=832
            local.get $w2
            local.get $gp
            v128.load offset=576
            local.get $w1
            local.get $gp
            v128.load offset=320
            local.get $w0
            local.get $gp
            v128.load offset=64
            local.get $r
            v128.load offset=64
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=64
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=848
            local.get $w2
            local.get $gp
            v128.load offset=592
            local.get $w1
            local.get $gp
            v128.load offset=336
            local.get $w0
            local.get $gp
            v128.load offset=80
            local.get $r
            v128.load offset=80
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=80
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=864
            local.get $w2
            local.get $gp
            v128.load offset=608
            local.get $w1
            local.get $gp
            v128.load offset=352
            local.get $w0
            local.get $gp
            v128.load offset=96
            local.get $r
            v128.load offset=96
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=96
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=880
            local.get $w2
            local.get $gp
            v128.load offset=624
            local.get $w1
            local.get $gp
            v128.load offset=368
            local.get $w0
            local.get $gp
            v128.load offset=112
            local.get $r
            v128.load offset=112
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=112
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=896
            local.get $w2
            local.get $gp
            v128.load offset=640
            local.get $w1
            local.get $gp
            v128.load offset=384
            local.get $w0
            local.get $gp
            v128.load offset=128
            local.get $r
            v128.load offset=128
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=128
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=912
            local.get $w2
            local.get $gp
            v128.load offset=656
            local.get $w1
            local.get $gp
            v128.load offset=400
            local.get $w0
            local.get $gp
            v128.load offset=144
            local.get $r
            v128.load offset=144
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=144
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=928
            local.get $w2
            local.get $gp
            v128.load offset=672
            local.get $w1
            local.get $gp
            v128.load offset=416
            local.get $w0
            local.get $gp
            v128.load offset=160
            local.get $r
            v128.load offset=160
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=160
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=944
            local.get $w2
            local.get $gp
            v128.load offset=688
            local.get $w1
            local.get $gp
            v128.load offset=432
            local.get $w0
            local.get $gp
            v128.load offset=176
            local.get $r
            v128.load offset=176
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=176
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=960
            local.get $w2
            local.get $gp
            v128.load offset=704
            local.get $w1
            local.get $gp
            v128.load offset=448
            local.get $w0
            local.get $gp
            v128.load offset=192
            local.get $r
            v128.load offset=192
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=192
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=976
            local.get $w2
            local.get $gp
            v128.load offset=720
            local.get $w1
            local.get $gp
            v128.load offset=464
            local.get $w0
            local.get $gp
            v128.load offset=208
            local.get $r
            v128.load offset=208
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=208
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=992
            local.get $w2
            local.get $gp
            v128.load offset=736
            local.get $w1
            local.get $gp
            v128.load offset=480
            local.get $w0
            local.get $gp
            v128.load offset=224
            local.get $r
            v128.load offset=224
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=224
            local.get $r
            local.get $w3
            local.get $gp
            v128.load offset=1008
            local.get $w2
            local.get $gp
            v128.load offset=752
            local.get $w1
            local.get $gp
            v128.load offset=496
            local.get $w0
            local.get $gp
            v128.load offset=240
            local.get $r
            v128.load offset=240
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            f32x4.relaxed_madd
            v128.store offset=240
            local.get $gp
            i32.const 1024
            i32.add
            local.set $gp
            local.get $pp
            i32.const 16
            i32.add
            local.tee $pp
            local.get $pend
            i32.lt_u
            br_if 0 (;@4;)
          end
          local.get $r
          local.get $r
          v128.load
          f32x4.neg
          v128.store
          local.get $r
          local.get $r
          v128.load offset=16
          f32x4.neg
          v128.store offset=16
          local.get $r
          local.get $r
          v128.load offset=32
          f32x4.neg
          v128.store offset=32
          local.get $r
          local.get $r
          v128.load offset=48
          f32x4.neg
          v128.store offset=48
          local.get $r
          local.get $r
          v128.load offset=64
          f32x4.neg
          v128.store offset=64
          local.get $r
          local.get $r
          v128.load offset=80
          f32x4.neg
          v128.store offset=80
          local.get $r
          local.get $r
          v128.load offset=96
          f32x4.neg
          v128.store offset=96
          local.get $r
          local.get $r
          v128.load offset=112
          f32x4.neg
          v128.store offset=112
          local.get $r
          local.get $r
          v128.load offset=128
          f32x4.neg
          v128.store offset=128
          local.get $r
          local.get $r
          v128.load offset=144
          f32x4.neg
          v128.store offset=144
          local.get $r
          local.get $r
          v128.load offset=160
          f32x4.neg
          v128.store offset=160
          local.get $r
          local.get $r
          v128.load offset=176
          f32x4.neg
          v128.store offset=176
          local.get $r
          local.get $r
          v128.load offset=192
          f32x4.neg
          v128.store offset=192
          local.get $r
          local.get $r
          v128.load offset=208
          f32x4.neg
          v128.store offset=208
          local.get $r
          local.get $r
          v128.load offset=224
          f32x4.neg
          v128.store offset=224
          local.get $r
          local.get $r
          v128.load offset=240
          f32x4.neg
          v128.store offset=240
          local.get $qs
          local.set $qi
          local.get $qc0
          local.set $qc
          block  ;; label = @4
            local.get $qi
            local.get $qe
            i32.ge_u
            br_if 0 (;@4;)
            loop  ;; label = @5
              local.get $Y
              local.get $qi
              i32.load
              i32.const 256
              i32.mul
              i32.add
              local.set $y0
              local.get $Y
              local.get $qi
              i32.load offset=4
              i32.const 256
              i32.mul
              i32.add
              local.set $y1
              local.get $Y
              local.get $qi
              i32.load offset=8
              i32.const 256
              i32.mul
              i32.add
              local.set $y2
              local.get $Y
              local.get $qi
              i32.load offset=12
              i32.const 256
              i32.mul
              i32.add
              local.set $y3
              local.get $x
              v128.load
              local.set $sv
              local.get $y0
              v128.load
              local.get $sv
              f32x4.mul
              local.set $v0
              local.get $y1
              v128.load
              local.get $sv
              f32x4.mul
              local.set $v1
              local.get $y2
              v128.load
              local.get $sv
              f32x4.mul
              local.set $v2
              local.get $y3
              v128.load
              local.get $sv
              f32x4.mul
              local.set $v3
              local.get $x
              v128.load offset=16
              local.set $sv
              local.get $y0
              v128.load offset=16
              local.get $sv
              f32x4.mul
              local.set $v4
              local.get $y1
              v128.load offset=16
              local.get $sv
              f32x4.mul
              local.set $v5
              local.get $y2
              v128.load offset=16
              local.get $sv
              f32x4.mul
              local.set $v6
              local.get $y3
              v128.load offset=16
              local.get $sv
              f32x4.mul
              local.set $v7
              local.get $x
              v128.load offset=32
              local.set $sv
              local.get $y0
              v128.load offset=32
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=32
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=32
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=32
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=48
              local.set $sv
              local.get $y0
              v128.load offset=48
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=48
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=48
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=48
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $x
              v128.load offset=64
              local.set $sv
              local.get $y0
              v128.load offset=64
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=64
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=64
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=64
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=80
              local.set $sv
              local.get $y0
              v128.load offset=80
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=80
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=80
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=80
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $x
              v128.load offset=96
              local.set $sv
              local.get $y0
              v128.load offset=96
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=96
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=96
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=96
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=112
              local.set $sv
              local.get $y0
              v128.load offset=112
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=112
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=112
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=112
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $x
              v128.load offset=128
              local.set $sv
              local.get $y0
              v128.load offset=128
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=128
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=128
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=128
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=144
              local.set $sv
              local.get $y0
              v128.load offset=144
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=144
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=144
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=144
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $x
              v128.load offset=160
              local.set $sv
              local.get $y0
              v128.load offset=160
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=160
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=160
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=160
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=176
              local.set $sv
              local.get $y0
              v128.load offset=176
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=176
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=176
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=176
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $x
              v128.load offset=192
              local.set $sv
              local.get $y0
              v128.load offset=192
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=192
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=192
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=192
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=208
              local.set $sv
              local.get $y0
              v128.load offset=208
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=208
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=208
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=208
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $x
              v128.load offset=224
              local.set $sv
              local.get $y0
              v128.load offset=224
              local.get $sv
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $y1
              v128.load offset=224
              local.get $sv
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $y2
              v128.load offset=224
              local.get $sv
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $y3
              v128.load offset=224
              local.get $sv
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $x
              v128.load offset=240
              local.set $sv
              local.get $y0
              v128.load offset=240
              local.get $sv
              local.get $v4
              f32x4.relaxed_madd
              local.set $v4
              local.get $y1
              v128.load offset=240
              local.get $sv
              local.get $v5
              f32x4.relaxed_madd
              local.set $v5
              local.get $y2
              v128.load offset=240
              local.get $sv
              local.get $v6
              f32x4.relaxed_madd
              local.set $v6
              local.get $y3
              v128.load offset=240
              local.get $sv
              local.get $v7
              f32x4.relaxed_madd
              local.set $v7
              local.get $v0
              local.get $v4
              f32x4.add
              local.set $v0
              local.get $v1
              local.get $v5
              f32x4.add
              local.set $v1
              local.get $v2
              local.get $v6
              f32x4.add
              local.set $v2
              local.get $v3
              local.get $v7
              f32x4.add
              local.set $v3
              local.get $v0
              local.get $v1
              i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27
              local.get $v0
              local.get $v1
              i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31
              f32x4.add
              local.set $v4
              local.get $v2
              local.get $v3
              i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27
              local.get $v2
              local.get $v3
              i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31
              f32x4.add
              local.set $v5
              local.get $v4
              local.get $v5
              i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              local.get $v4
              local.get $v5
              i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
              f32x4.add
              local.set $wv
              local.get $qc
              v128.load
              local.set $sv
              local.get $sv
              local.get $sv
              local.get $a0v
              f32x4.sub
              local.get $wv
              f32x4.mul
              f32x4.sub
              local.set $wv
              local.get $wv
              local.get $wv
              i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3
              local.set $w0
              local.get $wv
              local.get $wv
              i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7
              local.set $w1
              local.get $wv
              local.get $wv
              i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11
              local.set $w2
              local.get $wv
              local.get $wv
              i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15
              local.set $w3
              local.get $r
              local.get $w3
              local.get $y3
              v128.load
              local.get $w2
              local.get $y2
              v128.load
              local.get $w1
              local.get $y1
              v128.load
              local.get $w0
              local.get $y0
              v128.load
              local.get $r
              v128.load
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=16
              local.get $w2
              local.get $y2
              v128.load offset=16
              local.get $w1
              local.get $y1
              v128.load offset=16
              local.get $w0
              local.get $y0
              v128.load offset=16
              local.get $r
              v128.load offset=16
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=16
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=32
              local.get $w2
              local.get $y2
              v128.load offset=32
              local.get $w1
              local.get $y1
              v128.load offset=32
              local.get $w0
              local.get $y0
              v128.load offset=32
              local.get $r
              v128.load offset=32
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=32
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=48
              local.get $w2
              local.get $y2
              v128.load offset=48
              local.get $w1
              local.get $y1
              v128.load offset=48
              local.get $w0
              local.get $y0
              v128.load offset=48
              local.get $r
              v128.load offset=48
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=48
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=64
              local.get $w2
              local.get $y2
              v128.load offset=64
              local.get $w1
              local.get $y1
              v128.load offset=64
              local.get $w0
              local.get $y0
              v128.load offset=64
              local.get $r
              v128.load offset=64
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=64
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=80
              local.get $w2
              local.get $y2
              v128.load offset=80
              local.get $w1
              local.get $y1
              v128.load offset=80
              local.get $w0
              local.get $y0
              v128.load offset=80
              local.get $r
              v128.load offset=80
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=80
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=96
              local.get $w2
              local.get $y2
              v128.load offset=96
              local.get $w1
              local.get $y1
              v128.load offset=96
              local.get $w0
              local.get $y0
              v128.load offset=96
              local.get $r
              v128.load offset=96
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=96
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=112
              local.get $w2
              local.get $y2
              v128.load offset=112
              local.get $w1
              local.get $y1
              v128.load offset=112
              local.get $w0
              local.get $y0
              v128.load offset=112
              local.get $r
              v128.load offset=112
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=112
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=128
              local.get $w2
              local.get $y2
              v128.load offset=128
              local.get $w1
              local.get $y1
              v128.load offset=128
              local.get $w0
              local.get $y0
              v128.load offset=128
              local.get $r
              v128.load offset=128
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=128
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=144
              local.get $w2
              local.get $y2
              v128.load offset=144
              local.get $w1
              local.get $y1
              v128.load offset=144
              local.get $w0
              local.get $y0
              v128.load offset=144
              local.get $r
              v128.load offset=144
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=144
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=160
              local.get $w2
              local.get $y2
              v128.load offset=160
              local.get $w1
              local.get $y1
              v128.load offset=160
              local.get $w0
              local.get $y0
              v128.load offset=160
              local.get $r
              v128.load offset=160
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=160
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=176
              local.get $w2
              local.get $y2
              v128.load offset=176
              local.get $w1
              local.get $y1
              v128.load offset=176
              local.get $w0
              local.get $y0
              v128.load offset=176
              local.get $r
              v128.load offset=176
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=176
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=192
              local.get $w2
              local.get $y2
              v128.load offset=192
              local.get $w1
              local.get $y1
              v128.load offset=192
              local.get $w0
              local.get $y0
              v128.load offset=192
              local.get $r
              v128.load offset=192
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=192
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=208
              local.get $w2
              local.get $y2
              v128.load offset=208
              local.get $w1
              local.get $y1
              v128.load offset=208
              local.get $w0
              local.get $y0
              v128.load offset=208
              local.get $r
              v128.load offset=208
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=208
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=224
              local.get $w2
              local.get $y2
              v128.load offset=224
              local.get $w1
              local.get $y1
              v128.load offset=224
              local.get $w0
              local.get $y0
              v128.load offset=224
              local.get $r
              v128.load offset=224
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=224
              local.get $r
              local.get $w3
              local.get $y3
              v128.load offset=240
              local.get $w2
              local.get $y2
              v128.load offset=240
              local.get $w1
              local.get $y1
              v128.load offset=240
              local.get $w0
              local.get $y0
              v128.load offset=240
              local.get $r
              v128.load offset=240
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              f32x4.relaxed_madd
              v128.store offset=240
              local.get $qc
              i32.const 16
              i32.add
              local.set $qc
              local.get $qi
              i32.const 16
              i32.add
              local.tee $qi
              local.get $qe
              i32.lt_u
              br_if 0 (;@5;)
            end
          end
          local.get $p
          local.get $r
          v128.load
          v128.store
          local.get $p
          local.get $r
          v128.load offset=16
          v128.store offset=16
          local.get $p
          local.get $r
          v128.load offset=32
          v128.store offset=32
          local.get $p
          local.get $r
          v128.load offset=48
          v128.store offset=48
          local.get $p
          local.get $r
          v128.load offset=64
          v128.store offset=64
          local.get $p
          local.get $r
          v128.load offset=80
          v128.store offset=80
          local.get $p
          local.get $r
          v128.load offset=96
          v128.store offset=96
          local.get $p
          local.get $r
          v128.load offset=112
          v128.store offset=112
          local.get $p
          local.get $r
          v128.load offset=128
          v128.store offset=128
          local.get $p
          local.get $r
          v128.load offset=144
          v128.store offset=144
          local.get $p
          local.get $r
          v128.load offset=160
          v128.store offset=160
          local.get $p
          local.get $r
          v128.load offset=176
          v128.store offset=176
          local.get $p
          local.get $r
          v128.load offset=192
          v128.store offset=192
          local.get $p
          local.get $r
          v128.load offset=208
          v128.store offset=208
          local.get $p
          local.get $r
          v128.load offset=224
          v128.store offset=224
          local.get $p
          local.get $r
          v128.load offset=240
          v128.store offset=240
          local.get $r
          v128.load
          local.get $r
          v128.load
          f32x4.mul
          local.set $v0
          local.get $r
          v128.load offset=16
          local.get $r
          v128.load offset=16
          f32x4.mul
          local.set $v1
          local.get $r
          v128.load offset=32
          local.get $r
          v128.load offset=32
          f32x4.mul
          local.set $v2
          local.get $r
          v128.load offset=48
          local.get $r
          v128.load offset=48
          f32x4.mul
          local.set $v3
          local.get $r
          v128.load offset=64
          local.get $r
          v128.load offset=64
          local.get $v0
          f32x4.relaxed_madd
          local.set $v0
          local.get $r
          v128.load offset=80
          local.get $r
          v128.load offset=80
          local.get $v1
          f32x4.relaxed_madd
          local.set $v1
          local.get $r
          v128.load offset=96
          local.get $r
          v128.load offset=96
          local.get $v2
          f32x4.relaxed_madd
          local.set $v2
          local.get $r
          v128.load offset=112
          local.get $r
          v128.load offset=112
          local.get $v3
          f32x4.relaxed_madd
          local.set $v3
          local.get $r
          v128.load offset=128
          local.get $r
          v128.load offset=128
          local.get $v0
          f32x4.relaxed_madd
          local.set $v0
          local.get $r
          v128.load offset=144
          local.get $r
          v128.load offset=144
          local.get $v1
          f32x4.relaxed_madd
          local.set $v1
          local.get $r
          v128.load offset=160
          local.get $r
          v128.load offset=160
          local.get $v2
          f32x4.relaxed_madd
          local.set $v2
          local.get $r
          v128.load offset=176
          local.get $r
          v128.load offset=176
          local.get $v3
          f32x4.relaxed_madd
          local.set $v3
          local.get $r
          v128.load offset=192
          local.get $r
          v128.load offset=192
          local.get $v0
          f32x4.relaxed_madd
          local.set $v0
          local.get $r
          v128.load offset=208
          local.get $r
          v128.load offset=208
          local.get $v1
          f32x4.relaxed_madd
          local.set $v1
          local.get $r
          v128.load offset=224
          local.get $r
          v128.load offset=224
          local.get $v2
          f32x4.relaxed_madd
          local.set $v2
          local.get $r
          v128.load offset=240
          local.get $r
          v128.load offset=240
          local.get $v3
          f32x4.relaxed_madd
          local.set $v3
          local.get $v0
          local.get $v1
          f32x4.add
          local.get $v2
          local.get $v3
          f32x4.add
          f32x4.add
          local.set $v0
          local.get $v0
          f32x4.extract_lane 0
          local.get $v0
          f32x4.extract_lane 1
          f32.add
          local.get $v0
          f32x4.extract_lane 2
          local.get $v0
          f32x4.extract_lane 3
          f32.add
          f32.add
          local.tee $rs
          f32.const 0x1.79ca1p-67 (;=1e-20;)
          f32.lt
          br_if 0 (;@3;)
          local.get $steps
          i32.eqz
          br_if 0 (;@3;)
          i32.const 0
          local.set $it
          block  ;; label = @4
            loop  ;; label = @5
              local.get $lamv
              f32x4.splat
              local.set $sv
              local.get $ap
              local.get $sv
              local.get $p
              v128.load
              f32x4.mul
              v128.store
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=16
              f32x4.mul
              v128.store offset=16
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=32
              f32x4.mul
              v128.store offset=32
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=48
              f32x4.mul
              v128.store offset=48
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=64
              f32x4.mul
              v128.store offset=64
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=80
              f32x4.mul
              v128.store offset=80
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=96
              f32x4.mul
              v128.store offset=96
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=112
              f32x4.mul
              v128.store offset=112
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=128
              f32x4.mul
              v128.store offset=128
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=144
              f32x4.mul
              v128.store offset=144
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=160
              f32x4.mul
              v128.store offset=160
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=176
              f32x4.mul
              v128.store offset=176
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=192
              f32x4.mul
              v128.store offset=192
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=208
              f32x4.mul
              v128.store offset=208
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=224
              f32x4.mul
              v128.store offset=224
              local.get $ap
              local.get $sv
              local.get $p
              v128.load offset=240
              f32x4.mul
              v128.store offset=240
              local.get $G
              local.set $gp
              local.get $p
              local.tee $pp
              i32.const 256
              i32.add
              local.set $pend
              loop  ;; label = @6
                local.get $pp
                f32.load
                f32x4.splat
                local.set $w0
                local.get $pp
                f32.load offset=4
                f32x4.splat
                local.set $w1
                local.get $pp
                f32.load offset=8
                f32x4.splat
                local.set $w2
                local.get $pp
                f32.load offset=12
                f32x4.splat
                local.set $w3
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=768
                local.get $w2
                local.get $gp
                v128.load offset=512
                local.get $w1
                local.get $gp
                v128.load offset=256
                local.get $w0
                local.get $gp
                v128.load
                local.get $ap
                v128.load
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=784
                local.get $w2
                local.get $gp
                v128.load offset=528
                local.get $w1
                local.get $gp
                v128.load offset=272
                local.get $w0
                local.get $gp
                v128.load offset=16
                local.get $ap
                v128.load offset=16
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=16
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=800
                local.get $w2
                local.get $gp
                v128.load offset=544
                local.get $w1
                local.get $gp
                v128.load offset=288
                local.get $w0
                local.get $gp
                v128.load offset=32
                local.get $ap
                v128.load offset=32
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=32
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=816
                local.get $w2
                local.get $gp
                v128.load offset=560
                local.get $w1
                local.get $gp
                v128.load offset=304
                local.get $w0
                local.get $gp
                v128.load offset=48
                local.get $ap
                v128.load offset=48
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=48
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=832
                local.get $w2
                local.get $gp
                v128.load offset=576
                local.get $w1
                local.get $gp
                v128.load offset=320
                local.get $w0
                local.get $gp
                v128.load offset=64
                local.get $ap
                v128.load offset=64
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=64
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=848
                local.get $w2
                local.get $gp
                v128.load offset=592
                local.get $w1
                local.get $gp
                v128.load offset=336
                local.get $w0
                local.get $gp
                v128.load offset=80
                local.get $ap
                v128.load offset=80
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=80
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=864
                local.get $w2
                local.get $gp
                v128.load offset=608
                local.get $w1
                local.get $gp
                v128.load offset=352
                local.get $w0
                local.get $gp
                v128.load offset=96
                local.get $ap
                v128.load offset=96
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=96
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=880
                local.get $w2
                local.get $gp
                v128.load offset=624
                local.get $w1
                local.get $gp
                v128.load offset=368
                local.get $w0
                local.get $gp
                v128.load offset=112
                local.get $ap
                v128.load offset=112
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=112
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=896
                local.get $w2
                local.get $gp
                v128.load offset=640
                local.get $w1
                local.get $gp
                v128.load offset=384
                local.get $w0
                local.get $gp
                v128.load offset=128
                local.get $ap
                v128.load offset=128
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=128
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=912
                local.get $w2
                local.get $gp
                v128.load offset=656
                local.get $w1
                local.get $gp
                v128.load offset=400
                local.get $w0
                local.get $gp
                v128.load offset=144
                local.get $ap
                v128.load offset=144
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=144
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=928
                local.get $w2
                local.get $gp
                v128.load offset=672
                local.get $w1
                local.get $gp
                v128.load offset=416
                local.get $w0
                local.get $gp
                v128.load offset=160
                local.get $ap
                v128.load offset=160
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=160
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=944
                local.get $w2
                local.get $gp
                v128.load offset=688
                local.get $w1
                local.get $gp
                v128.load offset=432
                local.get $w0
                local.get $gp
                v128.load offset=176
                local.get $ap
                v128.load offset=176
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=176
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=960
                local.get $w2
                local.get $gp
                v128.load offset=704
                local.get $w1
                local.get $gp
                v128.load offset=448
                local.get $w0
                local.get $gp
                v128.load offset=192
                local.get $ap
                v128.load offset=192
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=192
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=976
                local.get $w2
                local.get $gp
                v128.load offset=720
                local.get $w1
                local.get $gp
                v128.load offset=464
                local.get $w0
                local.get $gp
                v128.load offset=208
                local.get $ap
                v128.load offset=208
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=208
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=992
                local.get $w2
                local.get $gp
                v128.load offset=736
                local.get $w1
                local.get $gp
                v128.load offset=480
                local.get $w0
                local.get $gp
                v128.load offset=224
                local.get $ap
                v128.load offset=224
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=224
                local.get $ap
                local.get $w3
                local.get $gp
                v128.load offset=1008
                local.get $w2
                local.get $gp
                v128.load offset=752
                local.get $w1
                local.get $gp
                v128.load offset=496
                local.get $w0
                local.get $gp
                v128.load offset=240
                local.get $ap
                v128.load offset=240
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                f32x4.relaxed_madd
                v128.store offset=240
                local.get $gp
                i32.const 1024
                i32.add
                local.set $gp
                local.get $pp
                i32.const 16
                i32.add
                local.tee $pp
                local.get $pend
                i32.lt_u
                br_if 0 (;@6;)
              end
              local.get $qs
              local.set $qi
              local.get $qc0
              local.set $qc
              block  ;; label = @6
                local.get $qi
                local.get $qe
                i32.ge_u
                br_if 0 (;@6;)
                loop  ;; label = @7
                  local.get $Y
                  local.get $qi
                  i32.load
                  i32.const 256
                  i32.mul
                  i32.add
                  local.set $y0
                  local.get $Y
                  local.get $qi
                  i32.load offset=4
                  i32.const 256
                  i32.mul
                  i32.add
                  local.set $y1
                  local.get $Y
                  local.get $qi
                  i32.load offset=8
                  i32.const 256
                  i32.mul
                  i32.add
                  local.set $y2
                  local.get $Y
                  local.get $qi
                  i32.load offset=12
                  i32.const 256
                  i32.mul
                  i32.add
                  local.set $y3
                  local.get $p
                  v128.load
                  local.set $sv
                  local.get $y0
                  v128.load
                  local.get $sv
                  f32x4.mul
                  local.set $v0
                  local.get $y1
                  v128.load
                  local.get $sv
                  f32x4.mul
                  local.set $v1
                  local.get $y2
                  v128.load
                  local.get $sv
                  f32x4.mul
                  local.set $v2
                  local.get $y3
                  v128.load
                  local.get $sv
                  f32x4.mul
                  local.set $v3
                  local.get $p
                  v128.load offset=16
                  local.set $sv
                  local.get $y0
                  v128.load offset=16
                  local.get $sv
                  f32x4.mul
                  local.set $v4
                  local.get $y1
                  v128.load offset=16
                  local.get $sv
                  f32x4.mul
                  local.set $v5
                  local.get $y2
                  v128.load offset=16
                  local.get $sv
                  f32x4.mul
                  local.set $v6
                  local.get $y3
                  v128.load offset=16
                  local.get $sv
                  f32x4.mul
                  local.set $v7
                  local.get $p
                  v128.load offset=32
                  local.set $sv
                  local.get $y0
                  v128.load offset=32
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=32
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=32
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=32
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=48
                  local.set $sv
                  local.get $y0
                  v128.load offset=48
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=48
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=48
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=48
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $p
                  v128.load offset=64
                  local.set $sv
                  local.get $y0
                  v128.load offset=64
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=64
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=64
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=64
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=80
                  local.set $sv
                  local.get $y0
                  v128.load offset=80
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=80
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=80
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=80
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $p
                  v128.load offset=96
                  local.set $sv
                  local.get $y0
                  v128.load offset=96
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=96
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=96
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=96
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=112
                  local.set $sv
                  local.get $y0
                  v128.load offset=112
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=112
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=112
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=112
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $p
                  v128.load offset=128
                  local.set $sv
                  local.get $y0
                  v128.load offset=128
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=128
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=128
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=128
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=144
                  local.set $sv
                  local.get $y0
                  v128.load offset=144
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=144
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=144
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=144
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $p
                  v128.load offset=160
                  local.set $sv
                  local.get $y0
                  v128.load offset=160
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=160
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=160
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=160
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=176
                  local.set $sv
                  local.get $y0
                  v128.load offset=176
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=176
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=176
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=176
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $p
                  v128.load offset=192
                  local.set $sv
                  local.get $y0
                  v128.load offset=192
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=192
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=192
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=192
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=208
                  local.set $sv
                  local.get $y0
                  v128.load offset=208
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=208
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=208
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=208
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $p
                  v128.load offset=224
                  local.set $sv
                  local.get $y0
                  v128.load offset=224
                  local.get $sv
                  local.get $v0
                  f32x4.relaxed_madd
                  local.set $v0
                  local.get $y1
                  v128.load offset=224
                  local.get $sv
                  local.get $v1
                  f32x4.relaxed_madd
                  local.set $v1
                  local.get $y2
                  v128.load offset=224
                  local.get $sv
                  local.get $v2
                  f32x4.relaxed_madd
                  local.set $v2
                  local.get $y3
                  v128.load offset=224
                  local.get $sv
                  local.get $v3
                  f32x4.relaxed_madd
                  local.set $v3
                  local.get $p
                  v128.load offset=240
                  local.set $sv
                  local.get $y0
                  v128.load offset=240
                  local.get $sv
                  local.get $v4
                  f32x4.relaxed_madd
                  local.set $v4
                  local.get $y1
                  v128.load offset=240
                  local.get $sv
                  local.get $v5
                  f32x4.relaxed_madd
                  local.set $v5
                  local.get $y2
                  v128.load offset=240
                  local.get $sv
                  local.get $v6
                  f32x4.relaxed_madd
                  local.set $v6
                  local.get $y3
                  v128.load offset=240
                  local.get $sv
                  local.get $v7
                  f32x4.relaxed_madd
                  local.set $v7
                  local.get $v0
                  local.get $v4
                  f32x4.add
                  local.set $v0
                  local.get $v1
                  local.get $v5
                  f32x4.add
                  local.set $v1
                  local.get $v2
                  local.get $v6
                  f32x4.add
                  local.set $v2
                  local.get $v3
                  local.get $v7
                  f32x4.add
                  local.set $v3
                  local.get $v0
                  local.get $v1
                  i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27
                  local.get $v0
                  local.get $v1
                  i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31
                  f32x4.add
                  local.set $v4
                  local.get $v2
                  local.get $v3
                  i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27
                  local.get $v2
                  local.get $v3
                  i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31
                  f32x4.add
                  local.set $v5
                  local.get $v4
                  local.get $v5
                  i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                  local.get $v4
                  local.get $v5
                  i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                  f32x4.add
                  local.set $wv
                  local.get $qc
                  v128.load
                  local.set $sv
                  local.get $sv
                  local.get $a0v
                  f32x4.sub
                  local.get $wv
                  f32x4.mul
                  local.set $wv
                  local.get $wv
                  local.get $wv
                  i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3
                  local.set $w0
                  local.get $wv
                  local.get $wv
                  i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7
                  local.set $w1
                  local.get $wv
                  local.get $wv
                  i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11
                  local.set $w2
                  local.get $wv
                  local.get $wv
                  i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15
                  local.set $w3
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load
                  local.get $w2
                  local.get $y2
                  v128.load
                  local.get $w1
                  local.get $y1
                  v128.load
                  local.get $w0
                  local.get $y0
                  v128.load
                  local.get $ap
                  v128.load
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=16
                  local.get $w2
                  local.get $y2
                  v128.load offset=16
                  local.get $w1
                  local.get $y1
                  v128.load offset=16
                  local.get $w0
                  local.get $y0
                  v128.load offset=16
                  local.get $ap
                  v128.load offset=16
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=16
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=32
                  local.get $w2
                  local.get $y2
                  v128.load offset=32
                  local.get $w1
                  local.get $y1
                  v128.load offset=32
                  local.get $w0
                  local.get $y0
                  v128.load offset=32
                  local.get $ap
                  v128.load offset=32
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=32
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=48
                  local.get $w2
                  local.get $y2
                  v128.load offset=48
                  local.get $w1
                  local.get $y1
                  v128.load offset=48
                  local.get $w0
                  local.get $y0
                  v128.load offset=48
                  local.get $ap
                  v128.load offset=48
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=48
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=64
                  local.get $w2
                  local.get $y2
                  v128.load offset=64
                  local.get $w1
                  local.get $y1
                  v128.load offset=64
                  local.get $w0
                  local.get $y0
                  v128.load offset=64
                  local.get $ap
                  v128.load offset=64
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=64
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=80
                  local.get $w2
                  local.get $y2
                  v128.load offset=80
                  local.get $w1
                  local.get $y1
                  v128.load offset=80
                  local.get $w0
                  local.get $y0
                  v128.load offset=80
                  local.get $ap
                  v128.load offset=80
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=80
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=96
                  local.get $w2
                  local.get $y2
                  v128.load offset=96
                  local.get $w1
                  local.get $y1
                  v128.load offset=96
                  local.get $w0
                  local.get $y0
                  v128.load offset=96
                  local.get $ap
                  v128.load offset=96
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=96
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=112
                  local.get $w2
                  local.get $y2
                  v128.load offset=112
                  local.get $w1
                  local.get $y1
                  v128.load offset=112
                  local.get $w0
                  local.get $y0
                  v128.load offset=112
                  local.get $ap
                  v128.load offset=112
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=112
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=128
                  local.get $w2
                  local.get $y2
                  v128.load offset=128
                  local.get $w1
                  local.get $y1
                  v128.load offset=128
                  local.get $w0
                  local.get $y0
                  v128.load offset=128
                  local.get $ap
                  v128.load offset=128
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=128
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=144
                  local.get $w2
                  local.get $y2
                  v128.load offset=144
                  local.get $w1
                  local.get $y1
                  v128.load offset=144
                  local.get $w0
                  local.get $y0
                  v128.load offset=144
                  local.get $ap
                  v128.load offset=144
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=144
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=160
                  local.get $w2
                  local.get $y2
                  v128.load offset=160
                  local.get $w1
                  local.get $y1
                  v128.load offset=160
                  local.get $w0
                  local.get $y0
                  v128.load offset=160
                  local.get $ap
                  v128.load offset=160
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=160
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=176
                  local.get $w2
                  local.get $y2
                  v128.load offset=176
                  local.get $w1
                  local.get $y1
                  v128.load offset=176
                  local.get $w0
                  local.get $y0
                  v128.load offset=176
                  local.get $ap
                  v128.load offset=176
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=176
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=192
                  local.get $w2
                  local.get $y2
                  v128.load offset=192
                  local.get $w1
                  local.get $y1
                  v128.load offset=192
                  local.get $w0
                  local.get $y0
                  v128.load offset=192
                  local.get $ap
                  v128.load offset=192
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=192
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=208
                  local.get $w2
                  local.get $y2
                  v128.load offset=208
                  local.get $w1
                  local.get $y1
                  v128.load offset=208
                  local.get $w0
                  local.get $y0
                  v128.load offset=208
                  local.get $ap
                  v128.load offset=208
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=208
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=224
                  local.get $w2
                  local.get $y2
                  v128.load offset=224
                  local.get $w1
                  local.get $y1
                  v128.load offset=224
                  local.get $w0
                  local.get $y0
                  v128.load offset=224
                  local.get $ap
                  v128.load offset=224
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=224
                  local.get $ap
                  local.get $w3
                  local.get $y3
                  v128.load offset=240
                  local.get $w2
                  local.get $y2
                  v128.load offset=240
                  local.get $w1
                  local.get $y1
                  v128.load offset=240
                  local.get $w0
                  local.get $y0
                  v128.load offset=240
                  local.get $ap
                  v128.load offset=240
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  f32x4.relaxed_madd
                  v128.store offset=240
                  local.get $qc
                  i32.const 16
                  i32.add
                  local.set $qc
                  local.get $qi
                  i32.const 16
                  i32.add
                  local.tee $qi
                  local.get $qe
                  i32.lt_u
                  br_if 0 (;@7;)
                end
              end
              local.get $p
              v128.load
              local.get $ap
              v128.load
              f32x4.mul
              local.set $v0
              local.get $p
              v128.load offset=16
              local.get $ap
              v128.load offset=16
              f32x4.mul
              local.set $v1
              local.get $p
              v128.load offset=32
              local.get $ap
              v128.load offset=32
              f32x4.mul
              local.set $v2
              local.get $p
              v128.load offset=48
              local.get $ap
              v128.load offset=48
              f32x4.mul
              local.set $v3
              local.get $p
              v128.load offset=64
              local.get $ap
              v128.load offset=64
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $p
              v128.load offset=80
              local.get $ap
              v128.load offset=80
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $p
              v128.load offset=96
              local.get $ap
              v128.load offset=96
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $p
              v128.load offset=112
              local.get $ap
              v128.load offset=112
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $p
              v128.load offset=128
              local.get $ap
              v128.load offset=128
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $p
              v128.load offset=144
              local.get $ap
              v128.load offset=144
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $p
              v128.load offset=160
              local.get $ap
              v128.load offset=160
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $p
              v128.load offset=176
              local.get $ap
              v128.load offset=176
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $p
              v128.load offset=192
              local.get $ap
              v128.load offset=192
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $p
              v128.load offset=208
              local.get $ap
              v128.load offset=208
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $p
              v128.load offset=224
              local.get $ap
              v128.load offset=224
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $p
              v128.load offset=240
              local.get $ap
              v128.load offset=240
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $v0
              local.get $v1
              f32x4.add
              local.get $v2
              local.get $v3
              f32x4.add
              f32x4.add
              local.set $v0
              local.get $v0
              f32x4.extract_lane 0
              local.get $v0
              f32x4.extract_lane 1
              f32.add
              local.get $v0
              f32x4.extract_lane 2
              local.get $v0
              f32x4.extract_lane 3
              f32.add
              f32.add
              local.tee $pap
              f32.const 0x0p+0 (;=0;)
              f32.gt
              i32.eqz
              br_if 1 (;@4;)
              local.get $rs
              local.get $pap
              f32.div
              f32x4.splat
              local.set $wv
              local.get $x
              local.get $wv
              local.get $p
              v128.load
              local.get $x
              v128.load
              f32x4.relaxed_madd
              v128.store
              local.get $r
              local.get $wv
              local.get $ap
              v128.load
              local.get $r
              v128.load
              f32x4.relaxed_nmadd
              v128.store
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=16
              local.get $x
              v128.load offset=16
              f32x4.relaxed_madd
              v128.store offset=16
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=16
              local.get $r
              v128.load offset=16
              f32x4.relaxed_nmadd
              v128.store offset=16
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=32
              local.get $x
              v128.load offset=32
              f32x4.relaxed_madd
              v128.store offset=32
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=32
              local.get $r
              v128.load offset=32
              f32x4.relaxed_nmadd
              v128.store offset=32
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=48
              local.get $x
              v128.load offset=48
              f32x4.relaxed_madd
              v128.store offset=48
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=48
              local.get $r
              v128.load offset=48
              f32x4.relaxed_nmadd
              v128.store offset=48
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=64
              local.get $x
              v128.load offset=64
              f32x4.relaxed_madd
              v128.store offset=64
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=64
              local.get $r
              v128.load offset=64
              f32x4.relaxed_nmadd
              v128.store offset=64
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=80
              local.get $x
              v128.load offset=80
              f32x4.relaxed_madd
              v128.store offset=80
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=80
              local.get $r
              v128.load offset=80
              f32x4.relaxed_nmadd
              v128.store offset=80
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=96
              local.get $x
              v128.load offset=96
              f32x4.relaxed_madd
              v128.store offset=96
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=96
              local.get $r
              v128.load offset=96
              f32x4.relaxed_nmadd
              v128.store offset=96
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=112
              local.get $x
              v128.load offset=112
              f32x4.relaxed_madd
              v128.store offset=112
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=112
              local.get $r
              v128.load offset=112
              f32x4.relaxed_nmadd
              v128.store offset=112
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=128
              local.get $x
              v128.load offset=128
              f32x4.relaxed_madd
              v128.store offset=128
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=128
              local.get $r
              v128.load offset=128
              f32x4.relaxed_nmadd
              v128.store offset=128
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=144
              local.get $x
              v128.load offset=144
              f32x4.relaxed_madd
              v128.store offset=144
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=144
              local.get $r
              v128.load offset=144
              f32x4.relaxed_nmadd
              v128.store offset=144
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=160
              local.get $x
              v128.load offset=160
              f32x4.relaxed_madd
              v128.store offset=160
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=160
              local.get $r
              v128.load offset=160
              f32x4.relaxed_nmadd
              v128.store offset=160
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=176
              local.get $x
              v128.load offset=176
              f32x4.relaxed_madd
              v128.store offset=176
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=176
              local.get $r
              v128.load offset=176
              f32x4.relaxed_nmadd
              v128.store offset=176
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=192
              local.get $x
              v128.load offset=192
              f32x4.relaxed_madd
              v128.store offset=192
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=192
              local.get $r
              v128.load offset=192
              f32x4.relaxed_nmadd
              v128.store offset=192
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=208
              local.get $x
              v128.load offset=208
              f32x4.relaxed_madd
              v128.store offset=208
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=208
              local.get $r
              v128.load offset=208
              f32x4.relaxed_nmadd
              v128.store offset=208
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=224
              local.get $x
              v128.load offset=224
              f32x4.relaxed_madd
              v128.store offset=224
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=224
              local.get $r
              v128.load offset=224
              f32x4.relaxed_nmadd
              v128.store offset=224
              local.get $x
              local.get $wv
              local.get $p
              v128.load offset=240
              local.get $x
              v128.load offset=240
              f32x4.relaxed_madd
              v128.store offset=240
              local.get $r
              local.get $wv
              local.get $ap
              v128.load offset=240
              local.get $r
              v128.load offset=240
              f32x4.relaxed_nmadd
              v128.store offset=240
              local.get $r
              v128.load
              local.get $r
              v128.load
              f32x4.mul
              local.set $v0
              local.get $r
              v128.load offset=16
              local.get $r
              v128.load offset=16
              f32x4.mul
              local.set $v1
              local.get $r
              v128.load offset=32
              local.get $r
              v128.load offset=32
              f32x4.mul
              local.set $v2
              local.get $r
              v128.load offset=48
              local.get $r
              v128.load offset=48
              f32x4.mul
              local.set $v3
              local.get $r
              v128.load offset=64
              local.get $r
              v128.load offset=64
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $r
              v128.load offset=80
              local.get $r
              v128.load offset=80
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $r
              v128.load offset=96
              local.get $r
              v128.load offset=96
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $r
              v128.load offset=112
              local.get $r
              v128.load offset=112
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $r
              v128.load offset=128
              local.get $r
              v128.load offset=128
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $r
              v128.load offset=144
              local.get $r
              v128.load offset=144
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $r
              v128.load offset=160
              local.get $r
              v128.load offset=160
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $r
              v128.load offset=176
              local.get $r
              v128.load offset=176
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $r
              v128.load offset=192
              local.get $r
              v128.load offset=192
              local.get $v0
              f32x4.relaxed_madd
              local.set $v0
              local.get $r
              v128.load offset=208
              local.get $r
              v128.load offset=208
              local.get $v1
              f32x4.relaxed_madd
              local.set $v1
              local.get $r
              v128.load offset=224
              local.get $r
              v128.load offset=224
              local.get $v2
              f32x4.relaxed_madd
              local.set $v2
              local.get $r
              v128.load offset=240
              local.get $r
              v128.load offset=240
              local.get $v3
              f32x4.relaxed_madd
              local.set $v3
              local.get $v0
              local.get $v1
              f32x4.add
              local.get $v2
              local.get $v3
              f32x4.add
              f32x4.add
              local.set $v0
              local.get $v0
              f32x4.extract_lane 0
              local.get $v0
              f32x4.extract_lane 1
              f32.add
              local.get $v0
              f32x4.extract_lane 2
              local.get $v0
              f32x4.extract_lane 3
              f32.add
              f32.add
              local.tee $rsnew
              f32.const 0x1.79ca1p-67 (;=1e-20;)
              f32.lt
              br_if 1 (;@4;)
              local.get $rsnew
              local.get $rs
              f32.div
              f32x4.splat
              local.set $wv
              local.get $p
              local.get $wv
              local.get $p
              v128.load
              local.get $r
              v128.load
              f32x4.relaxed_madd
              v128.store
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=16
              local.get $r
              v128.load offset=16
              f32x4.relaxed_madd
              v128.store offset=16
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=32
              local.get $r
              v128.load offset=32
              f32x4.relaxed_madd
              v128.store offset=32
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=48
              local.get $r
              v128.load offset=48
              f32x4.relaxed_madd
              v128.store offset=48
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=64
              local.get $r
              v128.load offset=64
              f32x4.relaxed_madd
              v128.store offset=64
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=80
              local.get $r
              v128.load offset=80
              f32x4.relaxed_madd
              v128.store offset=80
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=96
              local.get $r
              v128.load offset=96
              f32x4.relaxed_madd
              v128.store offset=96
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=112
              local.get $r
              v128.load offset=112
              f32x4.relaxed_madd
              v128.store offset=112
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=128
              local.get $r
              v128.load offset=128
              f32x4.relaxed_madd
              v128.store offset=128
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=144
              local.get $r
              v128.load offset=144
              f32x4.relaxed_madd
              v128.store offset=144
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=160
              local.get $r
              v128.load offset=160
              f32x4.relaxed_madd
              v128.store offset=160
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=176
              local.get $r
              v128.load offset=176
              f32x4.relaxed_madd
              v128.store offset=176
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=192
              local.get $r
              v128.load offset=192
              f32x4.relaxed_madd
              v128.store offset=192
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=208
              local.get $r
              v128.load offset=208
              f32x4.relaxed_madd
              v128.store offset=208
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=224
              local.get $r
              v128.load offset=224
              f32x4.relaxed_madd
              v128.store offset=224
              local.get $p
              local.get $wv
              local.get $p
              v128.load offset=240
              local.get $r
              v128.load offset=240
              f32x4.relaxed_madd
              v128.store offset=240
              local.get $rsnew
              local.set $rs
              local.get $it
              i32.const 1
              i32.add
              local.tee $it
              local.get $steps
              i32.lt_u
              br_if 0 (;@5;)
            end
          end
        end
        local.get $x
        i32.const 256
        i32.add
        local.set $x
        local.get $indptr
        i32.const 4
        i32.add
        local.set $indptr
        local.get $lam
        i32.const 4
        i32.add
        local.set $lam
        local.get $u
        i32.const 1
        i32.add
        local.tee $u
        local.get $rows
        i32.lt_u
        br_if 0 (;@2;)
      end
    end
    local.get $ap
    local.get $sink
    i32.store)
  (func $gram4 (type 1) (param $y i32) (param $groups i32) (param $g i32)
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
  (export "cgHalf" (func $cgHalf))
  (export "gram4" (func $gram4)))
