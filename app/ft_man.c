/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * ft-man TEMPLATE OUTPUT VERSION SYSCONFDIR: write fintrack's man page from
 * its template, with the line "@OPTIONS@" replaced by every option from the
 * list of settings (ft_cfg_print_man()) and @VERSION@ and @SYSCONFDIR@ by
 * their values. Runs at build time.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ft_cfg.h"

/* Write line to f with every @NAME@ of the table replaced. */
static void
put_line(FILE *f, const char *line, const char *const subst[][2], unsigned int n)
{
	const char *p = line;

	while (*p != '\0') {
		unsigned int i;

		for (i = 0; i < n; i++) {
			size_t len = strlen(subst[i][0]);

			if (strncmp(p, subst[i][0], len) == 0) {
				fputs(subst[i][1], f);
				p += len;
				break;
			}
		}
		if (i == n)
			fputc(*p++, f);
	}
}

int
main(int argc, char **argv)
{
	char line[4096];
	FILE *in, *out;

	if (argc != 5) {
		fprintf(stderr, "usage: ft-man TEMPLATE OUTPUT VERSION SYSCONFDIR\n");
		return 2;
	}
	const char *const subst[][2] = {
		{ "@VERSION@", argv[3] },
		{ "@SYSCONFDIR@", argv[4] },
	};
	in = fopen(argv[1], "r");
	out = fopen(argv[2], "w");
	if (in == NULL || out == NULL) {
		perror("ft-man");
		return 1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		if (strcmp(line, "@OPTIONS@\n") == 0)
			ft_cfg_print_man(out);
		else
			put_line(out, line, subst, sizeof(subst) / sizeof(subst[0]));
	}
	fclose(in);
	if (ferror(out) || fclose(out) != 0) {
		perror("ft-man");
		return 1;
	}
	return 0;
}
