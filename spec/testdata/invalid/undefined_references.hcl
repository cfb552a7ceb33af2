variable "net" {
  default = "198.18.1.0/29"
}

locals {
  web = local.wbe # ERROR: Undefined local value "wbe"
}

host "mx" {
  address  = var.nett        # ERROR: There is no variable named "nett". Did you mean "net"?
  profiles = ["mail_server"] # ERROR: Undefined profile "mail_server"
  tcp "listening" { ports = [25] }
}

host "other" {
  address = env.HOME # ERROR: Unknown reference "env"
  tcp "listening" { ports = [25] }
}
