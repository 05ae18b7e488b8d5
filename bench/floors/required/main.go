// Command required links only what hookctl cannot do without — the
// libraries the product's design requires (cobra, viper, tablewriter,
// go-keyring) and net/http with TLS — and does nothing else: the start-up
// floor no change inside hookctl can go below (bench/proc prints it beside
// hello-world).
package main

import (
	_ "crypto/tls"
	"fmt"
	_ "net/http"

	_ "github.com/olekukonko/tablewriter"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "github.com/zalando/go-keyring"
)

func main() { fmt.Println("hookctl dev") }
