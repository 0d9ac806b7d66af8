/*
 * col_api_ident: GET /v1/identities, the enrolled agents and officers with
 * their token status and never a secret (roles admin and auditor).
 */
#ifndef COL_API_IDENT_H
#define COL_API_IDENT_H

#include "col_api.h"

/* 200 {"agents":[...],"officers":[...]} as col_ident_list describes them. */
void col_api_identities(struct col_server *srv, struct col_reply *r);

#endif
