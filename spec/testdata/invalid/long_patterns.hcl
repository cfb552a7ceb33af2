# A regular expression is at most 4 KiB, in regex, regexall and a banner
# (issue #19, B3): compiling one of megabytes takes seconds, its errors
# quote it whole, and a banner's reaches every report row of its block.
locals {
  long = format("%4097s", "a")
  fits = format("%4096s", "a")
  x    = regex(local.long, "a")    # ERROR: the pattern is 4097 bytes, more than the 4096 a regular expression may be
  y    = regexall(local.long, "a") # ERROR: the pattern is 4097 bytes
  z    = regexall(local.fits, "a")
}

host "mx" {
  address = "127.0.0.1"
  tcp "listening" {
    ports  = [25]
    banner = local.long # ERROR: the pattern is 4097 bytes
  }
  tcp "listening" {
    ports  = [26]
    banner = local.fits
  }
}
