/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the vCPU engine: one event per VM exit, for those
 * tracing a guest (trace-cmd record -e vmxlab:vmxlab_exit).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmxlab

#if !defined(VMXLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VMXLAB_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(vmxlab_exit,
	TP_PROTO(unsigned int vcpu_id, u32 reason, u64 rip, u64 qual),
	TP_ARGS(vcpu_id, reason, rip, qual),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(u32, reason)
		__field(u64, rip)
		__field(u64, qual)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->reason = reason;
		__entry->rip = rip;
		__entry->qual = qual;
	),

	TP_printk("vcpu %u reason %u rip 0x%llx qual 0x%llx",
		  __entry->vcpu_id, __entry->reason, __entry->rip,
		  __entry->qual)
);

#endif

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vmxlab_trace
#include <trace/define_trace.h>
