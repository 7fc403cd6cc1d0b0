/*
 * The program behind matmul.xdin: an 8x8 double-precision matrix multiply, c = a * b, with b walked down its
 * columns. trace_begin() and trace_end() mark the window that make-matmul-trace.sh keeps from the lackey
 * trace of the whole run (dynamic loader and libc start-up are left out).
 */
#include <stdio.h>

#define N 8

static double a[N][N], b[N][N], c[N][N];

__attribute__((noinline)) void trace_begin(void) { __asm__ volatile(""); }
__attribute__((noinline)) void trace_end(void) { __asm__ volatile(""); }

__attribute__((noinline)) static void matmul(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			double sum = 0;
			for (int k = 0; k < N; k++)
				sum += a[i][k] * b[k][j];
			c[i][j] = sum;
		}
}

int main(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = i + j;
			b[i][j] = i == j ? 2.0 : 0.5;
		}
	trace_begin();
	matmul();
	trace_end();
	printf("c[%d][%d] = %g\n", N - 1, N - 1, c[N - 1][N - 1]);
	return 0;
}
