/*
 * col_ca: the vigil certificate authority (GnuTLS) and what the collector
 * reads from a client's certificate.
 *
 *   vigil-collector -c FILE ca init [--dir D] [--name NAME]...
 *       creates D/ca.key (0600) and D/ca.pem (0644): an ECDSA P-256 CA,
 *       valid 10 years; and D/collector.key (0600) and D/collector.pem
 *       (0644): the collector's server certificate (serverAuth, 825 days)
 *       for each NAME (default: the listen address, or the host name when
 *       it listens on every address), IP addresses as IP names. D defaults
 *       to the configuration file's directory. Existing files are never
 *       overwritten.
 *   vigil-collector -c FILE ca issue HOST [--dir D] [--out DIR]
 *       creates DIR/HOST.key (0600) and DIR/HOST.pem (0644): a client
 *       certificate for agent HOST (CN = HOST, clientAuth, 1 year, random
 *       128-bit serial) signed by D's CA. DIR defaults to the current one.
 */
#ifndef COL_CA_H
#define COL_CA_H

#include "col_config.h"

#include <stddef.h>

/* Creates the CA and the collector's certificate in dir (see above); names
 * are the server certificate's names, the first also its CN. Returns 0 or
 * -1 with err; on error nothing it wrote is left behind. */
int col_ca_init(const char *dir, const char *const *names, size_t nnames, char *err, size_t errlen);

/* Issues a client certificate for host from the CA in dir into outdir.
 * Returns 0 or -1 with err. */
int col_ca_issue(const char *dir, const char *host, const char *outdir, char *err, size_t errlen);

/* The common name of the certificate a TLS peer presented
 * (session: a gnutls_session_t). Returns 0, or -1 when there is no X.509
 * certificate, no CN, more than one CN, or it does not fit. */
int col_ca_peer_cn(void *session, char *cn, size_t len);

/* The `ca` subcommand: argv[0] is "ca". Returns the exit status. */
int col_ca_main(const struct col_config *cfg, int argc, char **argv);

#endif
