//go:build race

package cmd_test

// memoryLimitMiB bounds the growth of a listener's peak RSS in
// TestVerifyListenMemoryBounded (about 300 MiB under the race detector);
// the race detector's shadow memory counts in RSS too.
const memoryLimitMiB = 700
