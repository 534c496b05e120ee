// Copyright 2026 the iommulab authors. MIT license.
/*
 * The native baseline of lib/maple/maple_bench.ts: lib/maple_tree.c itself,
 * compiled in user space with the kernel's own test harness
 * (tools/testing/shared, as tools/testing/radix-tree builds `maple`), timed
 * on the same tree and the same operations. The binary contains the
 * kernel's GPL code; build it with scripts/native/maple_bench.sh.
 *
 * Tree: ALLOC_RANGE, entries [3i, 3i+1] for i < 100000 with every 100th
 * missing. A: mas_walk (under rcu_read_lock), A2: mtree_load, B: store a
 * one-index range into a gap + mas_erase (under mtree_lock), C:
 * mas_empty_area_rev(0, idx + 400, 4), D: mas_find over the whole tree.
 * Each batch is 1000 operations; medians and p10/p90 are per operation.
 *
 * -DVALIDATE turns CONFIG_DEBUG_MAPLE_TREE back on and runs mt_validate()
 * before and after.
 */
#ifdef VALIDATE
#define CONFIG_DEBUG_MAPLE_TREE   /* harness default; only for the validation build */
#endif
#define CONFIG_MAPLE_SEARCH
#define MAPLE_32BIT (MAPLE_NODE_SLOTS > 31)
#include "test.h"
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <linux/init.h>

#define module_init(x)
#define module_exit(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(X)
#define MODULE_LICENSE(x)
#define dump_stack()	assert(0)

#include "../../../lib/maple_tree.c"

#ifndef VALIDATE
extern unsigned long kmem_cache_nr_allocated(struct kmem_cache *cachep);
#endif

#define N 100000
#define OPS 1000

static uint64_t rng_s = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd64(void) { /* splitmix64 */
	uint64_t z = (rng_s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static unsigned long rnd(unsigned long n) { return (unsigned long)((rnd64() >> 11) * (1.0 / 9007199254740992.0) * n); }

static unsigned long idx[OPS], gapIdx[OPS];
static volatile void *sink;
static volatile long sinkl;

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n, const char *unit)
{
	qsort(v, n, sizeof(*v), cmpd);
	printf("%-28s median %7.2f  p10 %7.2f  p90 %7.2f  %s (n=%d batches)\n",
	       name, v[n / 2], v[n / 10], v[(n * 9) / 10], unit, n);
}

static unsigned long nodes_total, nodes_leaf, nodes_arange, nodes_range;
static void count_nodes(struct maple_enode *enode, unsigned long max, int depth, int *maxdepth)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned long *pivots = ma_pivots(node, type);
	void __rcu **slots = ma_slots(node, type);
	unsigned char end, i;

	nodes_total++;
	if (depth > *maxdepth)
		*maxdepth = depth;
	if (ma_is_leaf(type)) {
		nodes_leaf++;
		return;
	}
	if (type == maple_arange_64) nodes_arange++; else nodes_range++;
	end = ma_data_end(node, type, pivots, max);
	for (i = 0; i <= end; i++) {
		unsigned long cmax = (i < mt_pivots[type]) ? pivots[i] : max;
		if (i == end) cmax = max;
		if (slots[i])
			count_nodes(slots[i], cmax, depth + 1, maxdepth);
	}
}

int main(int argc, char **argv)
{
	static struct maple_tree mt;
	void *marker = xa_mk_value(123456789);
	int i, b;
	int nA = 2000, nB = 500, nD = 50, warm = 50;
	double *res;

	maple_tree_init();
	rcu_register_thread();

	mt_init_flags(&mt, MT_FLAGS_ALLOC_RANGE);
	for (i = 0; i < N; i++) {
		if (i % 100 == 99)
			continue;
		if (mtree_store_range(&mt, 3UL * i, 3UL * i + 1, xa_mk_value(i), GFP_KERNEL))
			abort();
	}
	for (i = 0; i < OPS; i++) {
		idx[i] = rnd(300000);
		gapIdx[i] = 3 * rnd(99999) + 2;
	}

	{
		int maxdepth = 0;
		unsigned long cnt = 0;
		MA_STATE(mas, &mt, 0, 0);
		rcu_read_lock();
		while (mas_find(&mas, ULONG_MAX) != NULL)
			cnt++;
		count_nodes(mt.ma_root, ULONG_MAX, 1, &maxdepth);
		rcu_read_unlock();
		printf("entries=%lu mt_height=%u walk_depth=%d nodes: total=%lu (leaf=%lu range64=%lu arange64=%lu) kmem_cache nr_allocated=%lu node_size=%zu\n",
		       cnt, mt_height(&mt), maxdepth, nodes_total, nodes_leaf, nodes_range, nodes_arange,
		       (unsigned long)kmem_cache_nr_allocated(maple_node_cache), sizeof(struct maple_node));
	}
#ifdef VALIDATE
	mt_validate(&mt);
	printf("mt_validate OK (pass %u run %u)\n", maple_tree_tests_passed, maple_tree_tests_run);
#endif

	res = malloc(sizeof(double) * 4000);

	/* A: mas_walk under rcu_read_lock (per batch) */
	{
		MA_STATE(mas, &mt, 0, 0);
		for (b = -warm; b < nA; b++) {
			uint64_t t0 = now_ns();
			rcu_read_lock();
			for (i = 0; i < OPS; i++) {
				mas_set(&mas, idx[i]);
				sink = mas_walk(&mas);
			}
			rcu_read_unlock();
			uint64_t t1 = now_ns();
			if (b >= 0) res[b] = (double)(t1 - t0) / OPS;
		}
		report("A  mas_walk", res, nA, "ns/op");
	}
	/* A2: mtree_load (takes rcu_read_lock internally per op) */
	{
		for (b = -warm; b < nA; b++) {
			uint64_t t0 = now_ns();
			for (i = 0; i < OPS; i++)
				sink = mtree_load(&mt, idx[i]);
			uint64_t t1 = now_ns();
			if (b >= 0) res[b] = (double)(t1 - t0) / OPS;
		}
		report("A2 mtree_load", res, nA, "ns/op");
	}
	/* B: store into 1-wide gap + erase, under mtree_lock per batch */
	{
		MA_STATE(mas, &mt, 0, 0);
		for (b = -warm; b < nB; b++) {
			uint64_t t0 = now_ns();
			mtree_lock(&mt);
			for (i = 0; i < OPS; i++) {
				unsigned long g = gapIdx[i];
				mas_set_range(&mas, g, g);
				if (mas_store_gfp(&mas, marker, GFP_KERNEL))
					abort();
				mas_set(&mas, g);
				sink = mas_erase(&mas);
			}
			mtree_unlock(&mt);
			uint64_t t1 = now_ns();
			if (b >= 0) res[b] = (double)(t1 - t0) / OPS;
		}
		report("B  store+erase pair", res, nB, "ns/pair");
	}
	/* C: mas_empty_area_rev size 4, under mtree_lock per batch */
	{
		MA_STATE(mas, &mt, 0, 0);
		long found = 0;
		for (b = -warm; b < nB; b++) {
			uint64_t t0 = now_ns();
			mtree_lock(&mt);
			for (i = 0; i < OPS; i++) {
				mas_reset(&mas);
				found += !mas_empty_area_rev(&mas, 0, idx[i] + 400, 4);
			}
			mtree_unlock(&mt);
			uint64_t t1 = now_ns();
			if (b >= 0) res[b] = (double)(t1 - t0) / OPS;
		}
		sinkl = found;
		report("C  mas_empty_area_rev(4)", res, nB, "ns/op");
		printf("   (C found %ld of %ld)\n", found, (long)(nB + warm) * OPS);
	}
	/* D: full iteration with mas_find under rcu_read_lock */
	{
		MA_STATE(mas, &mt, 0, 0);
		unsigned long cnt = 0;
		for (b = -5; b < nD; b++) {
			uint64_t t0 = now_ns();
			rcu_read_lock();
			mas_set(&mas, 0);
			cnt = 0;
			while (mas_find(&mas, ULONG_MAX) != NULL)
				cnt++;
			rcu_read_unlock();
			uint64_t t1 = now_ns();
			if (b >= 0) res[b] = (double)(t1 - t0) / cnt;
		}
		report("D  mas_find iteration", res, nD, "ns/entry");
		printf("   (D entries %lu)\n", cnt);
	}
#ifdef VALIDATE
	mt_validate(&mt);
	printf("mt_validate after benches OK\n");
#endif
	printf("kmem_cache nr_allocated at end=%lu\n", (unsigned long)kmem_cache_nr_allocated(maple_node_cache));
	mtree_destroy(&mt);
	rcu_barrier();
	rcu_unregister_thread();
	return 0;
}
