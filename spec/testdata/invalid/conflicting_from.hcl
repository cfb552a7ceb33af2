# from sets that overlap may not disagree; "app" is in both.
host "db" {
  address = "198.18.0.3"
  tcp "listening" {
    ports = [5432]
    from  = ["app", "ops"]
  }
  tcp "filtered" {
    ports = [5432] # ERROR: Conflicting expectations for tcp/5432
    from  = ["app", "dmz"]
  }
}
