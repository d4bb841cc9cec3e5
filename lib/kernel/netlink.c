#include "kernel/netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Where the next attribute goes: the end of the message, aligned. */
static struct rtattr *tail(struct nl_request *req)
{
	return (struct rtattr *)((char *)&req->hdr + NLMSG_ALIGN(req->hdr.nlmsg_len));
}

void nl_begin(struct nl_request *req, int type, int flags, const void *fixed, size_t size)
{
	memset(req, 0, sizeof(*req));
	req->hdr.nlmsg_len = NLMSG_LENGTH(size);
	req->hdr.nlmsg_type = type;
	req->hdr.nlmsg_flags = NLM_F_REQUEST | flags;
	req->hdr.nlmsg_seq = 1;
	memcpy(NLMSG_DATA(&req->hdr), fixed, size);
}

void nl_add_attr(struct nl_request *req, int type, const void *data, size_t size)
{
	struct rtattr *attr = tail(req);

	attr->rta_type = type;
	attr->rta_len = RTA_LENGTH(size);
	if (size)
		memcpy(RTA_DATA(attr), data, size);
	req->hdr.nlmsg_len = NLMSG_ALIGN(req->hdr.nlmsg_len) + RTA_ALIGN(attr->rta_len);
}

void nl_add_string(struct nl_request *req, int type, const char *value)
{
	nl_add_attr(req, type, value, strlen(value) + 1);
}

/* A nest is an attribute whose data is more attributes: its length is known at the end. */
struct rtattr *nl_begin_nest(struct nl_request *req, int type)
{
	struct rtattr *nest = tail(req);

	nl_add_attr(req, type, NULL, 0);
	return nest;
}

void nl_end_nest(struct nl_request *req, struct rtattr *nest)
{
	nest->rta_len = (char *)tail(req) - (char *)nest;
}

static int open_socket(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

static int send_request(int fd, struct nl_request *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return sendto(fd, &req->hdr, req->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) == -1 ? -1 : 0;
}

int nl_talk(struct nl_request *req)
{
	char answer[4096];
	struct nlmsghdr *msg = (struct nlmsghdr *)answer;
	int fd = open_socket(), err;
	ssize_t n;

	if (fd == -1)
		return -1;
	req->hdr.nlmsg_flags |= NLM_F_ACK;
	if (send_request(fd, req) == -1 || (n = recv(fd, answer, sizeof(answer), 0)) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	/* The kernel answers NLMSG_ERROR: error 0 is the acknowledgement. */
	if (!NLMSG_OK(msg, (size_t)n) || msg->nlmsg_type != NLMSG_ERROR) {
		errno = EPROTO;
		return -1;
	}
	err = ((struct nlmsgerr *)NLMSG_DATA(msg))->error;
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

int nl_dump(struct nl_request *req, void (*each)(struct nlmsghdr *msg, void *arg), void *arg)
{
	static char answer[32768];
	int fd = open_socket(), err = 0;

	if (fd == -1)
		return -1;
	req->hdr.nlmsg_flags |= NLM_F_DUMP;
	if (send_request(fd, req) == -1)
		goto fail;
	for (;;) {
		ssize_t n = recv(fd, answer, sizeof(answer), 0);

		if (n == -1)
			goto fail;
		for (struct nlmsghdr *msg = (struct nlmsghdr *)answer; NLMSG_OK(msg, (size_t)n);
		     msg = NLMSG_NEXT(msg, n)) {
			if (msg->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			if (msg->nlmsg_type == NLMSG_ERROR) {
				errno = -((struct nlmsgerr *)NLMSG_DATA(msg))->error;
				goto fail;
			}
			each(msg, arg);
		}
	}
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
