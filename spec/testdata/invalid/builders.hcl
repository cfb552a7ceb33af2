# Every function that can build much from little checks, before it builds,
# that it builds at most 16 MiB (issue #19, item 3): a line of an untrusted
# spec must not build more than a machine holds. What a function builds
# within the cap still works.
locals {
  # A string of 16 MiB, from 20 doublings of 16 bytes: templates build
  # step by step, so the watchdog stops them (cmd/portspec/load.go).
  a0  = "0123456789abcdef"
  a1  = "${local.a0}${local.a0}"
  a2  = "${local.a1}${local.a1}"
  a3  = "${local.a2}${local.a2}"
  a4  = "${local.a3}${local.a3}"
  a5  = "${local.a4}${local.a4}"
  a6  = "${local.a5}${local.a5}"
  a7  = "${local.a6}${local.a6}"
  a8  = "${local.a7}${local.a7}"
  a9  = "${local.a8}${local.a8}"
  a10 = "${local.a9}${local.a9}"
  a11 = "${local.a10}${local.a10}"
  a12 = "${local.a11}${local.a11}"
  a13 = "${local.a12}${local.a12}"
  a14 = "${local.a13}${local.a13}"
  a15 = "${local.a14}${local.a14}"
  a16 = "${local.a15}${local.a15}"
  a17 = "${local.a16}${local.a16}"
  a18 = "${local.a17}${local.a17}"
  a19 = "${local.a18}${local.a18}"
  a20 = "${local.a19}${local.a19}"
  l1024 = range(1024)
  m1024 = { for i in range(1024) : "k${i}" => i }
  k1024 = [for i in range(1024) : "k${i}"]
  # A list, not a tuple: cty converts a tuple of n to a list in n² steps.
  klist = split(",", join(",", local.k1024))
  nested = [for i in range(300) : local.l1024]

  joined   = join("", [for i in range(1024) : local.a20]) # ERROR: join would build about
  joins    = join(",", [local.a10, local.a10])
  flat     = flatten(local.nested) # ERROR: flatten would build about
  flats    = flatten([local.l1024, [local.l1024]])
  cat      = concat(local.nested...) # ERROR: concat would build about
  big      = concat([for i in range(130) : local.l1024]...)
  chunks   = chunklist(local.big, 1) # ERROR: chunklist would build about
  chunked  = chunklist(local.l1024, 2)
  pieces   = split("", local.a20) # ERROR: split would build about
  split    = split(",", "a,b,c")
  zipped   = zipmap(concat([for i in range(150) : local.klist]...), local.big) # ERROR: zipmap would build about
  zip      = zipmap(local.k1024, local.l1024)
  merged   = merge([for i in range(150) : local.m1024]...) # ERROR: merge would build about
  merge    = merge(local.m1024, { x = 1 })
  matches  = regexall(".", local.a20) # ERROR: regexall would build about
  match    = regexall("[a-c]", local.a4)
  twice    = format("%s%s", local.a20, local.a20) # ERROR: format would build about
  digits   = format("%f", 1e100000000) # ERROR: format would build about
  once     = format("%s", local.a19)
  repeated = format(join("", [for i in range(40) : "%[1]s"]), local.a19) # ERROR: format would build about
  reused   = formatlist("%[1]s%[1]s%[1]s", [local.a20]) # ERROR: formatlist would build about
  rows     = formatlist("%s%s", local.a20, [1, 2]) # ERROR: formatlist would build about
  row      = formatlist("%s-%d", local.a4, local.l1024)
}

host "mx" {
  address = "198.18.0.2"
  tcp "blocked" { ports = [23] }
}
