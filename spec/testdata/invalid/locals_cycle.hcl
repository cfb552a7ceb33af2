locals {
  a = local.b # ERROR: local.a → local.b → local.c → local.a
  b = local.c
  c = local.a
}

host "mx" {
  address = "198.18.0.2"
  tcp "listening" { ports = local.a }
}
