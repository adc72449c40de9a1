/* deliverylog.h - the delivery log (config keys logfile and syslog): one
 * line per delivery, what an admin greps for when a cron mail went
 * missing.  Never the message, never a secret. */
#ifndef SMTPKIT_DELIVERYLOG_H
#define SMTPKIT_DELIVERYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "send.h"

/* Time, account, server, envelope sender, recipients, message size, the
 * final reply with its queue id (or the error and the server's reply) and
 * the exit status of each delivery, to the logfile and/or syslog the
 * configuration names.  Nothing when it names neither.  A log that cannot
 * be written is a warning on stderr: the mail went (or did not) all the
 * same, and the exit status says so. */
void deliverylog_write(const struct send_delivery *v, size_t n, const char *sender, uint64_t size);

#endif
