/* landing/auth.c — finding the cloud: noauth endpoints and Keystone v3.
 *
 * Settings come from a credentials file (0600, read with core/secret.h,
 * lines OS_NAME=value, "export " and quotes allowed) or, without one, from
 * the OS_* environment that `openstack` users already have. Passwords and
 * tokens never reach an error message.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "landing.h"
#include "secret.h"
#include "util.h"

#define CRED_KEYS_MAX 32

struct creds {
	json_t *kv; /* OS_NAME -> value; wiped strings are not possible in jansson, so
		     * the object lives only for the login */
	bool from_file;
};

static void parse_line(struct creds *c, char *line)
{
	char *eq, *val;
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "export ", 7) == 0)
		line += 7;
	if (*line == '#' || !(eq = strchr(line, '=')))
		return;
	*eq = '\0';
	val = eq + 1;
	n = strlen(val);
	if (n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n - 1] == val[0]) {
		val[n - 1] = '\0';
		val++;
	}
	if (strncmp(line, "OS_", 3) == 0 && json_object_size(c->kv) < CRED_KEYS_MAX)
		json_object_set_new(c->kv, line, json_string(val));
}

static int creds_load(struct creds *c, const char *file, struct cut_err *err)
{
	struct secret_buf buf;
	char *line, *save = NULL;
	int r;

	c->kv = json_object();
	if (!file) {
		static const char *const names[] = {
			"OS_ENDPOINT", "OS_AUTH_TYPE", "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD",
			"OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_USER_DOMAIN_NAME",
			"OS_PROJECT_DOMAIN_NAME", "OS_USER_DOMAIN_ID", "OS_PROJECT_DOMAIN_ID",
			"OS_APPLICATION_CREDENTIAL_ID",
			"OS_APPLICATION_CREDENTIAL_SECRET", "OS_REGION_NAME", "OS_INTERFACE",
			"OS_TOKEN", NULL };
		size_t i;
		for (i = 0; names[i]; i++)
			if (getenv(names[i]))
				json_object_set_new(c->kv, names[i], json_string(getenv(names[i])));
		return 0;
	}
	c->from_file = true;
	r = secret_read_file(file, &buf, err);
	if (r < 0)
		return r;
	for (line = strtok_r((char *)buf.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_line(c, line);
	secret_buf_free(&buf);
	return 0;
}

static const char *get(const struct creds *c, const char *k)
{
	const char *v = json_string_value(json_object_get(c->kv, k));

	return v && v[0] ? v : NULL;
}

struct login {
	char *token;
	char *body;
	size_t len;
};

static size_t on_header(char *p, size_t size, size_t n, void *cookie)
{
	struct login *l = cookie;
	size_t len = size * n;

	if (len > 17 && strncasecmp(p, "X-Subject-Token:", 16) == 0 && !l->token) {
		char *v = p + 16;
		size_t vl = len - 16;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		l->token = xstrndup(v, vl);
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *cookie)
{
	struct login *l = cookie;
	size_t len = size * n;

	if (l->len + len > (8u << 20))
		return 0;
	l->body = xrealloc(l->body, l->len + len + 1);
	memcpy(l->body + l->len, p, len);
	l->len += len;
	l->body[l->len] = '\0';
	return len;
}

/* The user's or the project's domain: by id (OS_*_DOMAIN_ID, as devstack's
 * openrc sets it) or by name, "Default" when neither is given. */
static json_t *domain_ref(const struct creds *c, const char *id_key, const char *name_key)
{
	if (get(c, id_key))
		return json_pack("{s:s}", "id", get(c, id_key));
	return json_pack("{s:s}", "name", get(c, name_key) ?: "Default");
}

static json_t *auth_request(const struct creds *c)
{
	json_t *scope = NULL;

	if (get(c, "OS_APPLICATION_CREDENTIAL_ID"))
		return json_pack("{s:{s:{s:[s],s:{s:s,s:s}}}}", "auth", "identity", "methods",
				 "application_credential", "application_credential", "id",
				 get(c, "OS_APPLICATION_CREDENTIAL_ID"), "secret",
				 get(c, "OS_APPLICATION_CREDENTIAL_SECRET") ?: "");
	if (get(c, "OS_PROJECT_ID"))
		scope = json_pack("{s:{s:s}}", "project", "id", get(c, "OS_PROJECT_ID"));
	else if (get(c, "OS_PROJECT_NAME"))
		scope = json_pack("{s:{s:s,s:o}}", "project", "name", get(c, "OS_PROJECT_NAME"),
				  "domain", domain_ref(c, "OS_PROJECT_DOMAIN_ID",
						       "OS_PROJECT_DOMAIN_NAME"));
	return json_pack("{s:{s:{s:[s],s:{s:{s:s,s:s,s:o}}},s:o*}}", "auth", "identity",
			 "methods", "password", "password", "user", "name",
			 get(c, "OS_USERNAME") ?: "", "password", get(c, "OS_PASSWORD") ?: "",
			 "domain", domain_ref(c, "OS_USER_DOMAIN_ID", "OS_USER_DOMAIN_NAME"),
			 "scope", scope);
}

/* The catalogue's network endpoint for the wanted interface and region. */
static char *catalog_endpoint(const struct creds *c, const char *body)
{
	const char *iface = get(c, "OS_INTERFACE") ?: "public", *region = get(c, "OS_REGION_NAME");
	json_t *doc = json_loads(body ? body : "", 0, NULL), *svc, *ep;
	char *url = NULL;
	size_t i, k;

	json_array_foreach(json_object_get(json_object_get(doc, "token"), "catalog"), i, svc) {
		if (strcmp(json_string_value(json_object_get(svc, "type")) ?: "", "network") != 0)
			continue;
		json_array_foreach(json_object_get(svc, "endpoints"), k, ep) {
			const char *u = json_string_value(json_object_get(ep, "url"));
			if (strcmp(json_string_value(json_object_get(ep, "interface")) ?: "", iface) ||
			    (region && strcmp(json_string_value(json_object_get(ep, "region_id")) ?: "",
					      region)) || !u || url)
				continue;
			url = xstrdup(u);
		}
	}
	json_decref(doc);
	return url;
}

/* The project the token is scoped to (token.project.id), when it is an id
 * that can go into a URL; NULL otherwise. */
static char *token_project(const char *body)
{
	json_t *doc = json_loads(body ? body : "", 0, NULL);
	const char *id = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "token"), "project"), "id"));
	char *ret = NULL;

	if (lz_id_ok(id))
		ret = xstrdup(id);
	json_decref(doc);
	return ret;
}

/* OS_AUTH_URL as people write it: with or without /v3 at the end, with or
 * without a trailing slash ("…/v3//auth/tokens" gets a 308 from Keystone). */
static char *tokens_url(const char *base)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	if (n >= 3 && strncmp(base + n - 3, "/v3", 3) == 0)
		return xasprintf("%.*s/auth/tokens", (int)n, base);
	return xasprintf("%.*s/v3/auth/tokens", (int)n, base);
}

static int keystone_login(const struct creds *c, char **ret_endpoint, char **ret_token,
			  char **ret_project, struct cut_err *err)
{
	const char *base = get(c, "OS_AUTH_URL");
	struct login l = { 0 };
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char *url = tokens_url(base);
	char *body = NULL;
	json_t *req = auth_request(c);
	CURL *e = curl_easy_init();
	long status = 0;
	CURLcode cc;
	int r = 0;

	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &l);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &l);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		r = cut_errf(err, CUT_EPEER, "check OS_AUTH_URL and that Keystone runs",
			     "Keystone %s: %s", base, curl_easy_strerror(cc));
	else if (status != 201 || !l.token)
		r = cut_errf(err, CUT_EPEER, "check the user, project and password (or application "
			     "credential)", "Keystone %s refused the login: HTTP %ld", base, status);
	if (r == 0) {
		*ret_endpoint = get(c, "OS_ENDPOINT") ? xstrdup(get(c, "OS_ENDPOINT"))
						      : catalog_endpoint(c, l.body);
		if (!*ret_endpoint)
			r = cut_errf(err, CUT_EPEER,
				     "check OS_REGION_NAME and OS_INTERFACE, or set OS_ENDPOINT "
				     "to Neutron's URL",
				     "Keystone's catalogue has no network endpoint for "
				     "interface %s in region %s",
				     get(c, "OS_INTERFACE") ?: "public",
				     get(c, "OS_REGION_NAME") ?: "(any)");
	}
	if (r == 0 && !(*ret_project = token_project(l.body)))
		r = cut_errf(err, CUT_EPEER,
			     "give a project (OS_PROJECT_NAME or OS_PROJECT_ID): a landing zone "
			     "lives in one project",
			     "Keystone %s gave a token scoped to no project", base);
	if (r == 0) {
		*ret_token = l.token;
	} else {
		free(*ret_endpoint);
		*ret_endpoint = NULL;
	}
	if (r < 0 && l.token)
		freezero(l.token, strlen(l.token));
	freezero(body, strlen(body));
	free(l.body);
	free(url);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return r;
}

int landing_connect(const char *endpoint, const char *credentials_file, char **ret_endpoint,
		    char **ret_token, char **ret_project, struct cut_err *err)
{
	struct creds c = { 0 };
	const char *type;
	int r;

	*ret_endpoint = *ret_token = *ret_project = NULL;
	r = creds_load(&c, credentials_file, err);
	if (r < 0)
		goto out;
	type = get(&c, "OS_AUTH_TYPE");
	if ((type && strcmp(type, "none") == 0) || !get(&c, "OS_AUTH_URL")) {
		const char *ep = endpoint && endpoint[0] ? endpoint : get(&c, "OS_ENDPOINT");
		if (!ep) {
			r = cut_errf(err, CUT_EUSAGE,
				     "give --endpoint URL, or OS_AUTH_URL and credentials",
				     "no cloud endpoint");
			goto out;
		}
		*ret_endpoint = xstrdup(ep);
		if (get(&c, "OS_TOKEN"))
			*ret_token = xstrdup(get(&c, "OS_TOKEN"));
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = keystone_login(&c, ret_endpoint, ret_token, ret_project, err);
	curl_global_cleanup();
	if (r == 0 && endpoint && endpoint[0]) {
		free(*ret_endpoint);
		*ret_endpoint = xstrdup(endpoint);
	}
out:
	json_decref(c.kv);
	return r;
}

void landing_free_token(char *token)
{
	if (token)
		freezero(token, strlen(token));
}
