/* fuzz_dns.c - DNS answers (dns_parse), for every record type smtpkit
 * reads: A, AAAA, MX, TXT, TLSA, PTR, CNAME.  One input is one answer as
 * it arrives from the server; it is parsed as the answer to each type,
 * without and with the question's name checked, and every record taken
 * is read back in full so that ASan sees a short or unterminated one. */
#include "fuzz.h"
#include "dns_int.h"

static volatile size_t sink;

static void read_back(const struct dns_answer *a, int type)
{
	size_t t = strlen(a->canonical) + strlen(a->why);
	for (size_t i = 0; a->status == DNS_OK && i < a->n; i++) {
		switch (type) {
		case DNS_T_A:
		case DNS_T_AAAA:
			t += strlen(a->addrs[i]);
			break;
		case DNS_T_MX:
			t += strlen(a->mx[i].host) + a->mx[i].preference;
			break;
		case DNS_T_TXT:
		case DNS_T_SPF:
			t += strlen(a->txt[i]);
			break;
		case DNS_T_TLSA: {
			const struct dns_tlsa *r = &a->tlsa[i];
			for (size_t k = 0; k < r->len && k < sizeof r->data; k++)
				t += r->data[k];
			for (size_t k = 0; r->full && k < r->len; k++)
				t += r->full[k];
			break;
		}
		default:
			t += strlen(a->names[i]);
			break;
		}
	}
	sink = t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {
		DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_TLSA, DNS_T_PTR, DNS_T_CNAME, DNS_T_SPF,
	};
	/* An exact-size copy: the answer buffer in dns.c is larger, but a
	 * read past len is a bug whatever lies there. */
	unsigned char *msg = malloc(size ? size : 1);
	if (!msg)
		abort();
	memcpy(msg, data, size);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct dns_answer a;
		dns_parse(msg, size, types[i], &a);
		read_back(&a, types[i]);
		dns_answer_free(&a);

		memset(&a, 0, sizeof a);
		dns_parse_answer(msg, size, "example.com", types[i], &a);
		read_back(&a, types[i]);
		dns_answer_free(&a);
	}
	free(msg);
	return 0;
}
