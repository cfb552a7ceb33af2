# Text that reaches every report row of its checks is bounded (issue #19,
# B6): a description of 14 MiB, built within the functions' cap, made a
# JSON report and a log of 440 MB for 30 ports, which merge then refused.
# Names are at most 256 bytes, controls, owners, links, processes and
# communities 1 KiB, descriptions and waiver reasons 4 KiB, a block's
# tags, vantage points and controls 64, a payload one datagram. What is
# within the bounds loads.
locals {
  huge  = replace(replace(format("%065536d", 0), "0", "0000000000000000"), "0", "aaaaaaaaaaaaaa")
  n257  = format("%257s", "n")
  t1025 = format("%1025s", "t")
  t1024 = format("%1024s", "t")
  p4097 = format("%4097s", "p")
  p4096 = format("%4096s", "p")
}

profile "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp" { # ERROR: A profile name is at most 256 bytes, and this one is 257
  description = local.p4097 # ERROR: A description is at most 4096 bytes, and this one is 4097
  tcp "listening" {
    ports = [22]
  }
}

profile "ok" {
  description = local.p4096
  control     = [for i in range(64) : "c${i}"]
  owner       = local.t1024
  tcp "listening" {
    ports = [22]
  }
}

host "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh" { # ERROR: A host name is at most 256 bytes, and this one is 257
  address     = "127.0.0.1"
  description = local.p4097 # ERROR: Description too long
  owner       = local.t1025 # ERROR: An owner is at most 1024 bytes, and this one is 1025
  link        = "https://wiki.example.com/${local.t1025}" # ERROR: Link too long
  control     = [for i in range(65) : "c${i}"] # ERROR: A block has at most 64 controls, and this one lists 65
  tags        = [for i in range(65) : "t${i}"] # ERROR: A block has at most 64 tags, and this one lists 65
  from        = [replace(local.n257, " ", "v")] # ERROR: A vantage point is at most 256 bytes
  tcp "blocked" {
    ports       = ["20000-20029"]
    description = local.huge # ERROR: A description is at most 4096 bytes, and this one is 14680064
    control     = ["PCI-DSS 1.2.1", local.t1025] # ERROR: A control is at most 1024 bytes
    tags        = [replace(local.n257, " ", "t")] # ERROR: A tag is at most 256 bytes
    waiver {
      reason = local.p4097 # ERROR: A waiver reason is at most 4096 bytes
      until  = "2027-01-31"
    }
  }
  udp "blocked" {
    ports     = [161]
    community = local.t1025 # ERROR: A community is at most 1024 bytes
  }
  udp "blocked" {
    ports   = [9999]
    payload = format("%65508s", "x") # ERROR: A payload is one UDP datagram, at most 65507 bytes over IPv4, and this one is 65508
  }
  udp "blocked" {
    ports   = [9998]
    payload = "0x${replace(format("%065508d", 0), "0", "00")}" # ERROR: at most 65507 bytes over IPv4, and this one is 65508
  }
}

host "local" {
  address = "local"
  tcp "listening" {
    ports   = [22]
    process = local.t1025 # ERROR: A process is at most 1024 bytes
  }
}

host "gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg" {
  address     = "127.0.0.1"
  profiles    = ["ok"]
  description = local.p4096
  link        = "https://wiki.example.com/${replace(format("%990s", "x"), " ", "x")}"
  tags        = [for i in range(64) : "t${i}"]
  udp "blocked" {
    ports     = [9997]
    payload   = format("%65507s", "x")
    community = local.t1024
    waiver {
      reason = local.p4096
      until  = "2027-01-31"
    }
  }
}
