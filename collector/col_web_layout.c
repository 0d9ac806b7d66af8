/*
 * col_web_layout: the frame around every dashboard page and the small
 * pieces pages are made of (badges, links, times, the anomaly table).
 */
#include "col_web_page.h"

#include <string.h>

static const struct {
	const char *key, *href, *label;
} nav_items[] = {
	{"overview", "/ui/", "Overview"},
	{"anomalies", "/ui/anomalies", "Anomalies"},
	{"risk", "/ui/risk", "Risk"},
	{"vetting", "/ui/vetting", "Vetting"},
	{"agents", "/ui/agents", "Agents"},
};

void col_web_head(struct col_web_page *p, const char *title, const char *nav)
{
	struct col_html *h = &p->h;
	col_html_raw(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	                "<title>");
	col_html_text(h, title);
	col_html_raw(h, " \xc2\xb7 vigil</title>"
	                "<link rel=\"stylesheet\" href=\"/ui/static/vigil.css\">"
	                "<link rel=\"icon\" href=\"/ui/static/favicon.svg\" type=\"image/svg+xml\">"
	                "<script src=\"/ui/static/vigil.js\" defer></script></head>\n<body>"
	                "<header class=\"top\"><a class=\"brand\" href=\"/ui/\">vigil</a>");
	if (p->sess) {
		col_html_raw(h, "<nav>");
		for (size_t i = 0; i < sizeof nav_items / sizeof nav_items[0]; i++) {
			col_html_raw(h, "<a href=\"");
			col_html_raw(h, nav_items[i].href);
			col_html_raw(h, nav && strcmp(nav, nav_items[i].key) == 0 ? "\" class=\"cur\">" : "\">");
			col_html_raw(h, nav_items[i].label);
			col_html_raw(h, "</a>");
		}
		col_html_raw(h, "</nav><div class=\"who\"><span class=\"officer\">");
		col_html_text(h, p->sess->who.name);
		col_html_raw(h, "</span> <span class=\"role\">");
		col_html_text(h, col_role_name(p->sess->who.role));
		col_html_raw(h, "</span><form method=\"post\" action=\"/ui/logout\" class=\"inline\">");
		col_web_csrf_field(p);
		col_html_raw(h, "<button type=\"submit\" id=\"signout\">Sign out</button></form></div>");
	}
	col_html_raw(h, "</header>\n<main><h1>");
	col_html_text(h, title);
	col_html_raw(h, "</h1>\n");
}

void col_web_foot(struct col_web_page *p)
{
	col_html_raw(&p->h, "</main>\n<footer>vigil collector \xc2\xb7 times are UTC</footer></body></html>\n");
}

void col_web_csrf_field(struct col_web_page *p)
{
	if (!p->sess)
		return;
	col_html_raw(&p->h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	col_html_text(&p->h, p->sess->csrf);
	col_html_raw(&p->h, "\">");
}

void col_web_message(struct col_web_page *p, const char *kind, const char *text)
{
	col_html_raw(&p->h, strcmp(kind, "error") == 0 ? "<p class=\"msg error\" role=\"alert\">"
	                                                : "<p class=\"msg notice\" role=\"status\">");
	col_html_text(&p->h, text);
	col_html_raw(&p->h, "</p>\n");
}

const char *col_web_jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void col_web_jtext(struct col_web_page *p, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		col_html_textn(&p->h, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		col_html_int(&p->h, (long long)json_integer_value(v));
	else if (json_is_real(v))
		col_html_num(&p->h, json_real_value(v), 2);
	else if (json_is_boolean(v))
		col_html_raw(&p->h, json_is_true(v) ? "yes" : "no");
	else
		col_html_raw(&p->h, "\xe2\x80\x94");
}

void col_web_time(struct col_web_page *p, const char *iso)
{
	char shown[20];
	if (!iso) {
		col_html_raw(&p->h, "\xe2\x80\x94");
		return;
	}
	/* "2026-11-22T04:48:38.203Z" -> "2026-11-22 04:48:38" */
	size_t n = strlen(iso) < sizeof shown - 1 ? strlen(iso) : sizeof shown - 1;
	memcpy(shown, iso, n);
	shown[n] = '\0';
	if (n > 10 && shown[10] == 'T')
		shown[10] = ' ';
	col_html_raw(&p->h, "<time datetime=\"");
	col_html_text(&p->h, iso);
	col_html_raw(&p->h, "\">");
	col_html_text(&p->h, shown);
	col_html_raw(&p->h, "</time>");
}

/* A badge whose class is "badge PREFIX-VALUE" when value is one of the
 * known names (so the class never carries data), plain "badge" otherwise. */
static void badge(struct col_web_page *p, const char *prefix, const char *value,
                  const char *const *known, size_t nknown)
{
	const char *cls = NULL;
	for (size_t i = 0; value && i < nknown; i++)
		if (strcmp(value, known[i]) == 0)
			cls = known[i];
	col_html_raw(&p->h, "<span class=\"badge");
	if (cls) {
		col_html_raw(&p->h, " ");
		col_html_raw(&p->h, prefix);
		col_html_raw(&p->h, "-");
		col_html_raw(&p->h, cls);
	}
	col_html_raw(&p->h, "\">");
	if (value)
		col_html_text(&p->h, value);
	else
		col_html_raw(&p->h, "\xe2\x80\x94");
	col_html_raw(&p->h, "</span>");
}

void col_web_severity(struct col_web_page *p, const char *sev)
{
	badge(p, "sev", sev, vg_severity_names, VG_SEV_COUNT);
}

void col_web_status(struct col_web_page *p, const char *status)
{
	badge(p, "st", status, vg_status_names, VG_STATUS_COUNT);
}

void col_web_person_link(struct col_web_page *p, const char *person)
{
	if (!person) {
		col_html_raw(&p->h, "\xe2\x80\x94");
		return;
	}
	col_html_raw(&p->h, "<a href=\"/ui/persons/");
	col_html_url_arg(&p->h, person);
	col_html_raw(&p->h, "\">");
	col_html_text(&p->h, person);
	col_html_raw(&p->h, "</a>");
}

void col_web_anomaly_link(struct col_web_page *p, long long id)
{
	col_html_raw(&p->h, "<a href=\"/ui/anomalies/");
	col_html_int(&p->h, id);
	col_html_raw(&p->h, "\">#");
	col_html_int(&p->h, id);
	col_html_raw(&p->h, "</a>");
}

void col_web_cell(struct col_web_page *p, json_t *o, const struct col_web_col *c)
{
	switch (c->cell) {
	case CELL_TIME:
		col_web_time(p, col_web_jstr(o, c->key));
		break;
	case CELL_SEVERITY:
		col_web_severity(p, col_web_jstr(o, c->key));
		break;
	case CELL_STATUS:
		col_web_status(p, col_web_jstr(o, c->key));
		break;
	case CELL_PERSON:
		col_web_person_link(p, col_web_jstr(o, c->key));
		break;
	case CELL_ANOMALY:
		col_web_anomaly_link(p, (long long)json_integer_value(json_object_get(o, c->key)));
		break;
	case CELL_TEXT:
	case CELL_NUM:
		col_web_jtext(p, o, c->key);
		break;
	}
}

/* The attributes of a cell of this kind. */
static const char *cell_class(enum col_web_cell cell)
{
	return cell == CELL_NUM ? " class=\"num\"" : cell == CELL_TIME ? " class=\"nowrap\"" : "";
}

void col_web_table(struct col_web_page *p, const char *id, json_t *list,
                   const struct col_web_col *cols, size_t ncols, const char *empty)
{
	struct col_html *h = &p->h;
	size_t i, c;
	json_t *o;

	if (json_array_size(list) == 0) {
		col_html_raw(h, "<p class=\"empty\">");
		col_html_raw(h, empty);
		col_html_raw(h, "</p>\n");
		return;
	}
	col_html_raw(h, "<table class=\"list\"");
	if (id) {
		col_html_raw(h, " id=\"");
		col_html_raw(h, id);
		col_html_raw(h, "\"");
	}
	col_html_raw(h, "><thead><tr>");
	for (c = 0; c < ncols; c++) {
		col_html_raw(h, "<th");
		col_html_raw(h, cols[c].cell == CELL_NUM ? " class=\"num\">" : ">");
		col_html_raw(h, cols[c].head);
		col_html_raw(h, "</th>");
	}
	col_html_raw(h, "</tr></thead><tbody>\n");
	json_array_foreach(list, i, o) {
		col_html_raw(h, "<tr>");
		for (c = 0; c < ncols; c++) {
			col_html_raw(h, "<td");
			col_html_raw(h, cell_class(cols[c].cell));
			col_html_raw(h, ">");
			col_web_cell(p, o, &cols[c]);
			col_html_raw(h, "</td>");
		}
		col_html_raw(h, "</tr>\n");
	}
	col_html_raw(h, "</tbody></table>\n");
}

void col_web_kv(struct col_web_page *p, json_t *o, const struct col_web_col *rows, size_t nrows)
{
	col_html_raw(&p->h, "<table class=\"kv\">");
	for (size_t r = 0; r < nrows; r++) {
		col_html_raw(&p->h, "<tr><th>");
		col_html_raw(&p->h, rows[r].head);
		col_html_raw(&p->h, "</th><td>");
		col_web_cell(p, o, &rows[r]);
		col_html_raw(&p->h, "</td></tr>");
	}
	col_html_raw(&p->h, "</table>\n");
}

void col_web_anomaly_table(struct col_web_page *p, json_t *list)
{
	static const struct col_web_col cols[] = {
		{"id", "id", CELL_ANOMALY},           {"time", "time", CELL_TIME},
		{"severity", "severity", CELL_SEVERITY}, {"kind", "kind", CELL_TEXT},
		{"person", "person", CELL_PERSON},    {"account", "account", CELL_TEXT},
		{"host", "host", CELL_TEXT},          {"summary", "summary", CELL_TEXT},
		{"count", "events", CELL_NUM},        {"status", "status", CELL_STATUS},
		{"assignee", "assignee", CELL_TEXT},
	};
	col_web_table(p, "anomalies", list, cols, sizeof cols / sizeof cols[0], "No anomalies.");
}
