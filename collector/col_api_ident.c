/*
 * col_api_ident: the identities read (see col_api_ident.h).
 */
#include "col_api_ident.h"
#include "col_ident.h"
#include "vg_log.h"

void col_api_identities(struct col_server *srv, struct col_reply *r)
{
	json_t *agents = col_ident_list(srv->store, COL_IDENT_AGENTS);
	json_t *officers = agents ? col_ident_list(srv->store, COL_IDENT_OFFICERS) : NULL;
	if (!officers) {
		vg_err("identities: %s", col_store_error(srv->store));
		json_decref(agents);
		col_api_error(r, 503, "storage unavailable");
		return;
	}
	r->status = 200;
	r->json = json_pack("{s:o,s:o}", "agents", agents, "officers", officers);
	if (!r->json)
		col_api_error(r, 500, "out of memory");
}
