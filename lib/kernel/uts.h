/*
 * uts — the names a UTS namespace holds: hostname (and NIS domain name).
 * Dies (exit 125) when the kernel refuses.
 */
#ifndef STEPBOX_UTS_H
#define STEPBOX_UTS_H

void uts_set_hostname(const char *name);

#endif
