hots "mx" { # ERROR: Blocks of type "hots" are not expected here. Did you mean "host"?
  address = "198.18.0.2"
}
