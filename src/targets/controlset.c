/* controlset.c - CurrentControlSet through Select\Current; see controlset.h. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "targets/controlset.h"

bool controlset_is_link(const char *key, const char **rest)
{
	size_t first = strcspn(key, "\\");
	if (first != strlen(CONTROLSET_LINK) || strncasecmp(key, CONTROLSET_LINK, first) != 0)
		return false;
	*rest = key + first;
	return true;
}

bool controlset_is_set_name(const char *s)
{
	return strncasecmp(s, "ControlSet", 10) == 0 && isdigit((unsigned char)s[10]) &&
	       isdigit((unsigned char)s[11]) && isdigit((unsigned char)s[12]) && s[13] == '\0';
}

const char *controlset_from_select(const struct regval *cur, char *buf, size_t len,
				   unsigned *number)
{
	if (!cur)
		return "value missing: cannot resolve CurrentControlSet";
	if (cur->type != REGT_DWORD || cur->len != 4)
		return "not a REG_DWORD: cannot resolve CurrentControlSet";
	unsigned n = (unsigned)cur->data[0] | (unsigned)cur->data[1] << 8 |
		     (unsigned)cur->data[2] << 16 | (unsigned)cur->data[3] << 24;
	if (n == 0 || n > 999)
		return "holds no valid control set number";
	snprintf(buf, len, "ControlSet%03u", n);
	*number = n;
	return NULL;
}
