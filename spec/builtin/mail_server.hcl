# An internet mail server: SMTP relay, submission and IMAP over TLS.
#
# Sources: RFC 5321 (SMTP, tcp/25); RFC 6409 (message submission,
# tcp/587); RFC 8314 (submission and IMAP over implicit TLS, tcp/465 and
# tcp/993).

profile "mail_server" {
  description = "Mail server: SMTP, submission, submission over TLS, IMAP over TLS"

  tcp "listening" {
    ports = [
      25,  # SMTP
      465, # submission over TLS
      587, # submission
      993, # IMAP over TLS
    ]
  }
}
