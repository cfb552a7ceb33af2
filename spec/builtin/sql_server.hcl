# A Microsoft SQL Server default instance, with the SQL Server Browser that
# named instances need.
#
# Source: Microsoft, "Configure the Windows Firewall to allow SQL Server
# access":
# https://learn.microsoft.com/sql/sql-server/install/configure-the-windows-firewall-to-allow-sql-server-access

profile "sql_server" {
  description = "SQL Server: the database engine on tcp/1433 and the SQL Server Browser on udp/1434"

  tcp "listening" {
    ports = [1433] # the default instance
  }
  udp "listening" {
    # portspec sends the browser a real request (CLNT_UCAST_EX).
    ports = [1434]
  }
}
