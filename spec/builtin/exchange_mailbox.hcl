# A Microsoft Exchange Server 2016/2019 Mailbox server.
#
# Source: Microsoft, "Network ports for clients and mail flow in Exchange":
# https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/network-ports
#
# POP3 and IMAP4 are off by default, so they are not expected; add them
# where you enable them.

profile "exchange_mailbox" {
  description = "Exchange Mailbox server: SMTP, client access over HTTPS, client submission, the transport service"

  tcp "listening" {
    ports = [
      25,   # SMTP, the Front End Transport service
      80,   # HTTP, redirected to HTTPS
      443,  # client access: Outlook, OWA, EAS, EWS, Autodiscover
      587,  # SMTP client submission
      2525, # the Transport service, fed by Front End Transport
    ]
  }
}
