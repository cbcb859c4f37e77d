// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: __assign_str() takes the field alone and copies the source given
 * to __string() (v6.10).  Before, it took the source again, and a call
 * with one argument does not preprocess.
 */
#include <linux/trace_events.h>
#include <trace/stages/stage6_event_callback.h>

#define dft_probe_str(...) #__VA_ARGS__
#define dft_probe_xstr(...) dft_probe_str(__VA_ARGS__)

const char *dft_probe = dft_probe_xstr(__assign_str(field));
