//go:build !race

package cmd_test

// memoryLimitMiB bounds the growth of a listener's peak RSS in
// TestVerifyListenMemoryBounded (about 100 MiB with the 32 MiB body budget;
// about 500 MiB before there was one).
const memoryLimitMiB = 200
