host "mx" {
  address = "198.18.0.2"
  tcp "listening" { ports = [0] }         # ERROR: Ports run from 1 to 65535; got 0.
  tcp "listening" { ports = [65536] }     # ERROR: Ports run from 1 to 65535; got 65536.
  tcp "listening" { ports = ["1-70000"] } # ERROR: got 70000
  tcp "listening" { ports = ["139-135"] } # ERROR: did you mean "135-139"?
  tcp "listening" { ports = ["smpt"] }    # ERROR: Did you mean "smtp"?
  tcp "listening" { ports = [2.5] }       # ERROR: A port is a whole number; got 2.5.
  tcp "listening" { ports = [] }          # ERROR: ports must name at least one port.
}
