/*
 * netlink — talk to the kernel's network configuration (rtnetlink) directly,
 * the way `ip` does, with no `ip` binary at run time.
 *
 * A request is built in a struct nl_request: a header, a fixed part (such as
 * struct ifinfomsg) and a list of attributes, some nested. nl_talk() sends it
 * on a socket of the current network namespace and waits for the kernel's
 * answer. Functions here return -1 with errno set; they never die.
 */
#ifndef STEPBOX_NETLINK_H
#define STEPBOX_NETLINK_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>

struct nl_request {
	struct nlmsghdr hdr;
	char data[2048];
};

/* Start a request of `type` (RTM_NEWLINK, ...) with the fixed part `fixed`. */
void nl_begin(struct nl_request *req, int type, int flags, const void *fixed, size_t size);
void nl_add_attr(struct nl_request *req, int type, const void *data, size_t size);
void nl_add_string(struct nl_request *req, int type, const char *value);
struct rtattr *nl_begin_nest(struct nl_request *req, int type);
void nl_end_nest(struct nl_request *req, struct rtattr *nest);

/* Send the request and wait for the kernel's acknowledgement. */
int nl_talk(struct nl_request *req);

/*
 * Send a dump request and call each(message, arg) for every answer until the
 * kernel says it is done.
 */
int nl_dump(struct nl_request *req, void (*each)(struct nlmsghdr *msg, void *arg), void *arg);

#endif
