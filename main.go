// Command hookctl manages webhook registrations across providers.
package main

import (
	"os"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/output"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], output.System()))
}
