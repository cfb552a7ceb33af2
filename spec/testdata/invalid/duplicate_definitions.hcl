variable "a" { default = 1 }
variable "a" { default = 2 } # ERROR: Duplicate variable "a"

locals { x = 1 }
locals { x = 2 } # ERROR: Duplicate local value "x"

profile "p" {
  tcp "listening" { ports = [1] }
}
profile "p" { # ERROR: Duplicate profile "p"
  tcp "listening" { ports = [2] }
}

settings {}
settings {} # ERROR: Duplicate settings block

host "h" {
  address = "198.18.0.2"
  tcp "listening" { ports = [22] }
}
