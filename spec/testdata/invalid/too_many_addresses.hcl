# As many addresses as a spec may have by default (2^20: sixteen /112s of
# 65,536 here); a seventeenth block is refused where it is written
# (--max-total-addresses raises the cap). Validated only, never probed.
host "net0" {
  address = "2001:db8:1::/112"
  tcp "blocked" { ports = [23] }
}
host "net1" {
  address = "2001:db8:2::/112"
  tcp "blocked" { ports = [23] }
}
host "net2" {
  address = "2001:db8:3::/112"
  tcp "blocked" { ports = [23] }
}
host "net3" {
  address = "2001:db8:4::/112"
  tcp "blocked" { ports = [23] }
}
host "net4" {
  address = "2001:db8:5::/112"
  tcp "blocked" { ports = [23] }
}
host "net5" {
  address = "2001:db8:6::/112"
  tcp "blocked" { ports = [23] }
}
host "net6" {
  address = "2001:db8:7::/112"
  tcp "blocked" { ports = [23] }
}
host "net7" {
  address = "2001:db8:8::/112"
  tcp "blocked" { ports = [23] }
}
host "net8" {
  address = "2001:db8:9::/112"
  tcp "blocked" { ports = [23] }
}
host "net9" {
  address = "2001:db8:a::/112"
  tcp "blocked" { ports = [23] }
}
host "net10" {
  address = "2001:db8:b::/112"
  tcp "blocked" { ports = [23] }
}
host "net11" {
  address = "2001:db8:c::/112"
  tcp "blocked" { ports = [23] }
}
host "net12" {
  address = "2001:db8:d::/112"
  tcp "blocked" { ports = [23] }
}
host "net13" {
  address = "2001:db8:e::/112"
  tcp "blocked" { ports = [23] }
}
host "net14" {
  address = "2001:db8:f::/112"
  tcp "blocked" { ports = [23] }
}
host "net15" {
  address = "2001:db8:10::/112"
  tcp "blocked" { ports = [23] }
}
host "net16" {
  address = "2001:db8:11::/112"  # ERROR: over the cap of 1048576 for the whole spec
  tcp "blocked" { ports = [23] }
}
