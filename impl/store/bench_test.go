package store_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/backend"
	"example.com/tasks/impl/store/storetest"
)

// BenchmarkStore measures the store calls a request makes, on every
// engine, from 16 goroutines at once (as `make bench-http` loads the
// server with 16 connections): a get by id, a page of 20, a create.
//
//	go test -run '^$' -bench BenchmarkStore -benchmem -count 10 ./impl/store | benchstat -
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B, db backend.DB) {
		ctx := context.Background()
		owner := "bench-" + uuid.NewString()
		start := time.Now()
		var ids []uuid.UUID
		for i := range 100 {
			at := start.Add(time.Duration(i) * time.Millisecond)
			t, err := db.CreateTask(ctx, domain.Task{
				Record: domain.Record{ID: uuid.New(), Owner: owner, CreatedAt: at, UpdatedAt: at},
				Title:  fmt.Sprint("task ", i), Status: "todo",
			})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, t.ID)
		}
		parallel := func(b *testing.B, call func(i int) error) {
			b.ReportAllocs()
			// 16 goroutines in all, whatever GOMAXPROCS is.
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := call(int(n.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		b.Run("get", func(b *testing.B) {
			parallel(b, func(i int) error {
				_, err := db.GetTask(ctx, owner, ids[i%len(ids)])
				return err
			})
		})
		b.Run("list20", func(b *testing.B) {
			parallel(b, func(int) error {
				tasks, _, err := db.ListTasks(ctx, owner, nil, 20)
				if err == nil && len(tasks) != 20 {
					err = fmt.Errorf("a page of %d tasks, want 20", len(tasks))
				}
				return err
			})
		})
		b.Run("create", func(b *testing.B) {
			other := "bench-" + uuid.NewString()
			parallel(b, func(int) error {
				now := time.Now()
				_, err := db.CreateTask(ctx, domain.Task{
					Record: domain.Record{ID: uuid.New(), Owner: other, CreatedAt: now, UpdatedAt: now},
					Title:  "created", Status: "todo",
				})
				return err
			})
		})
	})
}
