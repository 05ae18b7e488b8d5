// Command hello is the process-start floor for benchmarks: a Go binary that
// prints one line.
package main

import "fmt"

func main() { fmt.Println("hello") }
