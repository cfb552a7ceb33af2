# A database host that denies by default: PostgreSQL is reachable from the
# application network only, SSH from the admin network, and every other
# TCP port is blocked, whatever a later change opens.

variable "db_net" {
  type        = string
  default     = "198.51.100.16/29"
  description = "The database subnet."
}

locals {
  postgres = 5432
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
  tcp "listening" {
    ports = ["ssh"]
    from  = ["admin"]
  }
  # "others" is every port no other block names from the run's vantage
  # point: from app, all but 5432; from admin, all but 22; from dmz, all
  # but 5432, which its own block expects filtered.
  tcp "blocked" {
    ports   = ["others"]
    timeout = "500ms"
    tries   = 2
  }
}
