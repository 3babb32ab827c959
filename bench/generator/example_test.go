package generator_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
)

func ExampleGenerate() {
	cfg := generator.DefaultConfig()
	cfg.Messages = 2000
	cfg.Days = 3
	var store generator.MemStore
	f, err := generator.Generate(context.Background(), cfg, &store)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("days:", f.Start.Format(time.DateOnly), "to", f.End.Format(time.DateOnly))
	fmt.Println("positive office:", f.PositiveOffice)
	fmt.Println("topic:", f.Topic, "in", f.TopicOffice)
	fmt.Println("records read = parsed + quarantined + duplicates:", f.RecordsRead == f.Parsed+f.Quarantined+f.Duplicates)
	fmt.Println("parsed = in range + out of range:", f.Parsed == f.InRange+f.OutOfRange)
	// Output:
	// days: 2016-11-07 to 2016-11-10
	// positive office: sydney
	// topic: kubernetes migration in berlin
	// records read = parsed + quarantined + duplicates: true
	// parsed = in range + out of range: true
}
