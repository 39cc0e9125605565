/*
 * wim_xmlnames.h - the image names of a WIM read straight from its bytes
 * (its header and XML data), for a WIM that wimlib cannot open by a path:
 * one inside an ISO image, read through isofs.h.  Pure: no I/O, no
 * messages.  wimlib stays the reader for everything else.
 */
#ifndef WIMPATCH_WIM_XMLNAMES_H
#define WIMPATCH_WIM_XMLNAMES_H

#include <stddef.h>
#include <stdint.h>

/* The WIM header's size: what wim_xml_locate needs of the file's start. */
#define WIM_XMLNAMES_HEADER 208

/* Where the XML data is (the header's resource for it: always stored
 * uncompressed, UTF-16LE).  -1 when `head` is no WIM header or places no
 * XML data. */
int wim_xml_locate(const unsigned char *head, size_t n, uint64_t *off, uint64_t *size);

/* For each <IMAGE INDEX="N"> of the XML data, fn(N, its <NAME> as UTF-8
 * or NULL when it has none, ctx), in document order.  Malformed data
 * gives what could be read. */
void wim_xml_images(const unsigned char *xml, size_t n,
		    void (*fn)(int index, const char *name, void *ctx), void *ctx);

#endif
