# A database host that denies by default: PostgreSQL is reachable from the
# application network only, and every other TCP port is blocked.

variable "db_net" {
  type        = string
  default     = "198.51.100.16/29"
  description = "The database subnet."
}

locals {
  postgres = 5432
}

settings {
  timeout   = "500ms"
  tcp_tries = 2
}

host "db" {
  addresses = [var.db_net]

  tcp "listening" {
    ports = [local.postgres]
    from  = ["app"]
  }
  tcp "filtered" {
    ports = [local.postgres]
    from  = ["dmz", "internet"]
  }
  tcp "blocked" { ports = ["1-5431", "5433-65535"] }
}
