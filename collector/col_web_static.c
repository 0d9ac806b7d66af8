/*
 * col_web_static: the dashboard's style sheet, script and icon, compiled
 * into the collector so that a page never fetches anything from elsewhere.
 * The pages work without the script; it only adds conveniences.
 */
#include "col_web_page.h"

#include <string.h>

static const char css[] =
	":root{--ink:#1d2330;--mute:#5b6475;--line:#d9dee7;--bg:#f5f7fa;--card:#fff;--top:#1b2a41;"
	"--accent:#2457a6;--low:#7d8ea8;--medium:#d4a017;--high:#e0701a;--critical:#c0152f}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
	"color:var(--ink);background:var(--bg)}\n"
	"a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}\n"
	"header.top{display:flex;align-items:center;gap:24px;padding:0 20px;height:48px;"
	"background:var(--top);color:#fff}\n"
	"header.top a{color:#dfe7f3}header.top .brand{font-weight:700;font-size:18px;color:#fff;"
	"letter-spacing:.04em}\n"
	"header.top nav{display:flex;gap:4px;flex:1}header.top nav a{padding:6px 10px;border-radius:4px}\n"
	"header.top nav a.cur,header.top nav a:hover{background:#2d4164;text-decoration:none}\n"
	".who{display:flex;align-items:center;gap:8px}.who .role{color:#aab6c8;font-size:12px}\n"
	".who button{background:transparent;color:#dfe7f3;border:1px solid #4a5d7e;border-radius:4px;"
	"padding:3px 8px;cursor:pointer}\n"
	"main{max-width:1280px;margin:0 auto;padding:16px 20px 40px}\n"
	"h1{font-size:22px;margin:8px 0 16px}h2{font-size:16px;margin:24px 0 8px}\n"
	"footer{color:var(--mute);font-size:12px;text-align:center;padding:16px}\n"
	".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}\n"
	".card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:12px 16px;"
	"margin-bottom:16px;overflow-x:auto}\n"
	".grid{margin-bottom:16px}.grid>.card{margin-bottom:0}p.lead{font-size:16px}\n"
	".card h2{margin-top:0}\n"
	".tiles{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}\n"
	".tile{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 16px;"
	"min-width:140px}.tile .n{font-size:26px;font-weight:700}.tile .l{color:var(--mute);font-size:12px}\n"
	"table{border-collapse:collapse;width:100%;background:var(--card)}\n"
	"th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"th{font-size:12px;color:var(--mute);font-weight:600;background:#eef1f6}\n"
	"td.num,th.num{text-align:right}td.nowrap{white-space:nowrap}td.summary{min-width:240px}\n"
	"table.kv th{width:180px;background:transparent}\n"
	".badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;"
	"background:#e3e7ee;color:var(--ink);white-space:nowrap}\n"
	".sev-low{background:var(--low);color:#fff}.sev-medium{background:var(--medium);color:#1d2330}\n"
	".sev-high{background:var(--high);color:#fff}.sev-critical{background:var(--critical);color:#fff}\n"
	".st-open{background:#dbe7fb;color:#1c4587}.st-acknowledged{background:#fbefd0;color:#6b4e00}\n"
	".st-resolved{background:#d8f0dc;color:#1e5d2b}.st-false_positive{background:#e6e6e6;color:#444}\n"
	"rect.bar{fill:var(--accent)}rect.sev-low{fill:var(--low)}rect.sev-medium{fill:var(--medium)}\n"
	"rect.sev-high{fill:var(--high)}rect.sev-critical{fill:var(--critical)}\n"
	"rect.heat{fill:var(--critical)}rect.heat.none{fill:#eef1f6}\n"
	"svg text{font-size:12px;fill:var(--ink)}svg text.val,svg text.tick{fill:var(--mute)}\n"
	"svg text.empty{fill:var(--mute);font-style:italic}\n"
	"svg line.axis{stroke:var(--line)}polyline.line{fill:none;stroke:var(--accent);stroke-width:2}\n"
	"figure.chart{margin:0 0 8px}figure.chart svg{width:100%;height:auto;max-width:720px}\n"
	"figcaption{color:var(--mute);font-size:12px}\n"
	".msg{padding:8px 12px;border-radius:4px;margin:8px 0}.msg.error{background:#fde2e1;color:#8a1111}\n"
	".msg.notice{background:#def3e2;color:#1e5d2b}\n"
	"form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;margin-bottom:12px}\n"
	"form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--mute)}\n"
	"input,select,textarea,button{font:inherit}\n"
	"input[type=text],input[type=password],select,textarea{border:1px solid #b8c0cc;border-radius:4px;"
	"padding:4px 6px;background:#fff}\n"
	"textarea{width:100%;min-height:80px}\n"
	"button{border:1px solid #2457a6;background:#2457a6;color:#fff;border-radius:4px;padding:5px 12px;"
	"cursor:pointer}button.secondary{background:#fff;color:#2457a6}\n"
	"form.inline{display:inline}\n"
	"form.triage .buttons{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}\n"
	"form.triage label{display:block;margin-top:8px;font-size:12px;color:var(--mute)}\n"
	".login{max-width:420px;margin:40px auto}.login form{display:flex;flex-direction:column;gap:8px}\n"
	".login .or{color:var(--mute);text-align:center;margin:8px 0}\n"
	".empty{color:var(--mute);font-style:italic}\n"
	"pre.json{white-space:pre-wrap;word-break:break-all;font-size:12px;background:#f0f2f6;padding:6px;"
	"margin:0}\n"
	"ul.reasons{margin:0;padding-left:18px}\n"
	"@media print{header.top,form,footer{display:none}body{background:#fff}"
	".card,.tile{border-color:#999}}\n";

static const char js[] =
	"/* vigil dashboard: small conveniences; every page works without them. */\n"
	"(function () {\n"
	"  'use strict';\n"
	"  /* A filter form submits as soon as a choice changes. */\n"
	"  document.querySelectorAll('form.filters select').forEach(function (s) {\n"
	"    s.addEventListener('change', function () { s.form.submit(); });\n"
	"  });\n"
	"  /* Times are shown in UTC; hovering shows the browser's local time. */\n"
	"  document.querySelectorAll('time[datetime]').forEach(function (t) {\n"
	"    var d = new Date(t.getAttribute('datetime'));\n"
	"    if (!isNaN(d.getTime())) { t.title = d.toLocaleString(); }\n"
	"  });\n"
	"  /* Assigning needs an assignee: ask for one before the round trip. */\n"
	"  var form = document.getElementById('triage');\n"
	"  if (form) {\n"
	"    form.addEventListener('submit', function (e) {\n"
	"      var who = form.querySelector('input[name=assignee]');\n"
	"      if (e.submitter && e.submitter.value === 'assign' && who && !who.value.trim()) {\n"
	"        e.preventDefault();\n"
	"        who.focus();\n"
	"      }\n"
	"    });\n"
	"  }\n"
	"})();\n";

static const char favicon[] =
	"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
	"<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#1b2a41\"/>"
	"<path d=\"M3 4l5 9 5-9\" fill=\"none\" stroke=\"#fff\" stroke-width=\"2\"/></svg>\n";

const char *col_web_static_file(const char *name, const char **ctype)
{
	if (strcmp(name, "vigil.css") == 0) {
		*ctype = "text/css; charset=utf-8";
		return css;
	}
	if (strcmp(name, "vigil.js") == 0) {
		*ctype = "text/javascript; charset=utf-8";
		return js;
	}
	if (strcmp(name, "favicon.svg") == 0) {
		*ctype = "image/svg+xml";
		return favicon;
	}
	return NULL;
}
