/* array.c - growable arrays; see array.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/array.h"

bool array_grow(void **v, size_t elem_size, size_t need, size_t *alloc)
{
	if (need <= *alloc)
		return true;
	size_t n = *alloc < 8 ? 8 : *alloc;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return false;
		n *= 2;
	}
	if (n > SIZE_MAX / elem_size)
		return false;
	void *p = realloc(*v, n * elem_size);
	if (!p)
		return false;
	*v = p;
	*alloc = n;
	return true;
}

void array_free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}
