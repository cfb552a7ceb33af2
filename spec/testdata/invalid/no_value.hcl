variable "target" { # ERROR: No value for variable "target"
  type = string
}

host "mx" {
  address = var.target
  tcp "listening" { ports = [25] }
}
