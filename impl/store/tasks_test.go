package store_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/storetest"
)

// One PostgreSQL server for every test of the package.
func TestMain(m *testing.M) { storetest.Main(m) }

// taskCase is one case of domain.TaskStore's behaviour.
type taskCase struct {
	name string
	fn   func(*testing.T, domain.TaskStore)
}

// runTaskCases runs cases against every engine, in parallel on one database
// per engine, each with owners of its own.
func runTaskCases(t *testing.T, cases []taskCase, more func(t *testing.T, e storetest.Engine)) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := e.Open(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.fn(t, s)
			})
		}
		if more != nil {
			more(t, e)
		}
	})
}

func TestTasks(t *testing.T) {
	t.Parallel()
	runTaskCases(t, []taskCase{
		{"CreateReadUpdateDelete", testCRUD},
		{"OwnershipIsolation", testOwnership},
		{"ConditionalWrites", testConditional},
		{"ConcurrentIfMatchOneWins", testConcurrentIfMatch},
		{"ConcurrentIncrementsLoseNoWrite", testNoLostUpdate},
	}, func(t *testing.T, e storetest.Engine) {
		if e.Persistent {
			t.Run("Persistence", func(t *testing.T) { testPersistence(t, e) })
		}
	})
}

func TestTaskPagination(t *testing.T) {
	t.Parallel()
	runTaskCases(t, []taskCase{
		{"OrderAndDeletedCursor", testPaginationOrder},
		{"StableUnderInserts", testPaginationUnderInserts},
	}, nil)
}

// testPersistence checks that data outlives the handle: it writes through
// one, closes it, and reads through a new one.
func testPersistence(t *testing.T, e storetest.Engine) {
	ctx := context.Background()
	owner := newOwner()
	s := e.Open(t)
	kept := mustCreate(t, s, newTask(owner, "kept"))
	kept.Title = "kept, updated"
	kept, err := s.UpdateTask(ctx, owner, kept, kept.Version)
	if err != nil {
		t.Fatal(err)
	}
	gone := mustCreate(t, s, newTask(owner, "deleted"))
	if err := s.DeleteTask(ctx, owner, gone.ID, domain.AnyVersion); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s = e.Open(t)
	got, err := s.GetTask(ctx, owner, kept.ID)
	if err != nil {
		t.Fatalf("after reopening: %v", err)
	}
	if !equal(got, kept) {
		t.Errorf("after reopening: %+v, want %+v", got, kept)
	}
	if _, err := s.GetTask(ctx, owner, gone.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("deleted task after reopening: %v, want ErrNotFound", err)
	}
	if list, _, err := s.ListTasks(ctx, owner, nil, 10); err != nil || len(list) != 1 {
		t.Errorf("list after reopening: %d tasks, %v; want 1", len(list), err)
	}
}

func testCRUD(t *testing.T, s domain.TaskStore) {
	ctx := context.Background()
	owner := newOwner()
	in := newTask(owner, "first")
	in.Description = "a description"
	created := mustCreate(t, s, in)
	if created.Version != 1 {
		t.Errorf("created version = %d, want 1", created.Version)
	}
	if !created.CreatedAt.Equal(in.CreatedAt.Truncate(domain.Precision)) {
		t.Errorf("created_at = %v, want %v to the microsecond", created.CreatedAt, in.CreatedAt)
	}
	got, err := s.GetTask(ctx, owner, created.ID)
	if err != nil || !equal(got, created) {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, created)
	}

	change := created
	change.Title, change.Description, change.Status = "renamed", "", "done"
	change.UpdatedAt = created.UpdatedAt.Add(time.Second)
	change.CreatedAt = time.Time{} // must be kept from the stored task
	updated, err := s.UpdateTask(ctx, owner, change, domain.AnyVersion)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Version != 2 || updated.Title != "renamed" || updated.Description != "" || updated.Status != "done" ||
		!updated.CreatedAt.Equal(created.CreatedAt) || !updated.UpdatedAt.Equal(change.UpdatedAt) || updated.Owner != owner {
		t.Errorf("Update = %+v: want version 2, the new fields, created_at and owner kept", updated)
	}
	if got, err := s.GetTask(ctx, owner, created.ID); err != nil || !equal(got, updated) {
		t.Errorf("Get after Update = %+v, %v; want %+v", got, err, updated)
	}

	if err := s.DeleteTask(ctx, owner, created.ID, domain.AnyVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTask(ctx, owner, created.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateTask(ctx, owner, change, domain.AnyVersion); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Update after Delete = %v, want ErrNotFound", err)
	}
	if err := s.DeleteTask(ctx, owner, created.ID, domain.AnyVersion); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func testOwnership(t *testing.T, s domain.TaskStore) {
	ctx := context.Background()
	alice, bob := newOwner(), newOwner()
	a := mustCreate(t, s, newTask(alice, "alice's"))
	// Bob gets ErrNotFound even with the right version: another owner's task
	// must look exactly like a missing one.
	for _, match := range []int64{domain.AnyVersion, a.Version} {
		if _, err := s.GetTask(ctx, bob, a.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("bob's Get = %v, want ErrNotFound", err)
		}
		stolen := a
		stolen.Title = "stolen"
		if _, err := s.UpdateTask(ctx, bob, stolen, match); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("bob's Update (match %d) = %v, want ErrNotFound", match, err)
		}
		if err := s.DeleteTask(ctx, bob, a.ID, match); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("bob's Delete (match %d) = %v, want ErrNotFound", match, err)
		}
	}
	if list, more, err := s.ListTasks(ctx, bob, nil, 10); err != nil || len(list) != 0 || more {
		t.Errorf("bob lists %d tasks (more %v, %v), want none", len(list), more, err)
	}
	if got, err := s.GetTask(ctx, alice, a.ID); err != nil || !equal(got, a) {
		t.Errorf("alice's task after bob's attempts = %+v, %v; want it unchanged", got, err)
	}
}

func testConditional(t *testing.T, s domain.TaskStore) {
	ctx := context.Background()
	owner := newOwner()
	v1 := mustCreate(t, s, newTask(owner, "v1"))
	v2 := v1
	v2.Title = "v2"
	v2, err := s.UpdateTask(ctx, owner, v2, v1.Version)
	if err != nil || v2.Version != 2 {
		t.Fatalf("Update with the current version = %+v, %v", v2, err)
	}
	stale := v1
	stale.Title = "stale"
	if _, err := s.UpdateTask(ctx, owner, stale, v1.Version); !errors.Is(err, domain.ErrVersionMismatch) {
		t.Errorf("Update with a stale version = %v, want ErrVersionMismatch", err)
	}
	if err := s.DeleteTask(ctx, owner, v1.ID, v1.Version); !errors.Is(err, domain.ErrVersionMismatch) {
		t.Errorf("Delete with a stale version = %v, want ErrVersionMismatch", err)
	}
	if got, err := s.GetTask(ctx, owner, v1.ID); err != nil || !equal(got, v2) {
		t.Errorf("after refused writes = %+v, %v; want %+v", got, err, v2)
	}
	if _, err := s.UpdateTask(ctx, owner, newTask(owner, "missing"), 1); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("conditional Update of a missing task = %v, want ErrNotFound", err)
	}
	if err := s.DeleteTask(ctx, owner, v2.ID, v2.Version); err != nil {
		t.Errorf("Delete with the current version = %v", err)
	}
}

// testConcurrentIfMatch: writers that all read the same version race to
// update it; exactly one wins, the others learn they were too late.
func testConcurrentIfMatch(t *testing.T, s domain.TaskStore) {
	const writers = 16
	ctx := context.Background()
	owner := newOwner()
	base := mustCreate(t, s, newTask(owner, "contested"))
	var wins, mismatches atomic.Int32
	var winner atomic.Value
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			tk := base
			tk.Title = "writer " + strconv.Itoa(i)
			_, err := s.UpdateTask(ctx, owner, tk, base.Version)
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(tk.Title)
			case errors.Is(err, domain.ErrVersionMismatch):
				mismatches.Add(1)
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent updates with the same version: %d succeeded, %d got ErrVersionMismatch", writers, wins.Load(), mismatches.Load())
	if wins.Load() != 1 || mismatches.Load() != writers-1 {
		t.Fatalf("%d wins and %d mismatches, want 1 and %d", wins.Load(), mismatches.Load(), writers-1)
	}
	got, err := s.GetTask(ctx, owner, base.ID)
	if err != nil || got.Version != base.Version+1 || got.Title != winner.Load() {
		t.Errorf("stored = %+v, %v; want the winner's title at version %d", got, err, base.Version+1)
	}
}

// testNoLostUpdate: writers increment a counter kept in the title with
// read-modify-write cycles guarded by the version, retrying on a mismatch.
// Every increment must survive.
func testNoLostUpdate(t *testing.T, s domain.TaskStore) {
	const writers, increments = 4, 10
	ctx := context.Background()
	owner := newOwner()
	counter := mustCreate(t, s, newTask(owner, "0"))
	var retries atomic.Int32
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for done := 0; done < increments; {
				cur, err := s.GetTask(ctx, owner, counter.ID)
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(cur.Title)
				cur.Title = strconv.Itoa(n + 1)
				_, err = s.UpdateTask(ctx, owner, cur, cur.Version)
				switch {
				case err == nil:
					done++
				case errors.Is(err, domain.ErrVersionMismatch):
					retries.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.GetTask(ctx, owner, counter.ID)
	want := strconv.Itoa(writers * increments)
	t.Logf("%d writers x %d guarded increments: counter %s, version %d, %d retries after a mismatch", writers, increments, got.Title, got.Version, retries.Load())
	if err != nil || got.Title != want || got.Version != 1+writers*increments {
		t.Errorf("counter = %q at version %d (%v), want %s at version %d", got.Title, got.Version, err, want, 1+writers*increments)
	}
}

// testPaginationOrder: the list is ordered by (created_at, id), ties broken
// by id, and a cursor stays valid when the task it points at is deleted.
func testPaginationOrder(t *testing.T, s domain.TaskStore) {
	ctx := context.Background()
	owner := newOwner()
	at := time.Now()
	for i := range 6 {
		tk := newTask(owner, "t")
		tk.CreatedAt = at.Add(time.Duration(i/2) * time.Millisecond) // pairs share an instant
		tk.UpdatedAt = tk.CreatedAt
		mustCreate(t, s, tk)
	}
	first, more, err := s.ListTasks(ctx, owner, nil, 2)
	if err != nil || len(first) != 2 || !more {
		t.Fatalf("first page = %d tasks, more %v, %v", len(first), more, err)
	}
	if err := s.DeleteTask(ctx, owner, first[1].ID, domain.AnyVersion); err != nil {
		t.Fatal(err)
	}
	k := first[1].Key()
	rest, more, err := s.ListTasks(ctx, owner, &k, 10)
	if err != nil || len(rest) != 4 || more {
		t.Fatalf("after the deleted key: %d tasks, more %v, %v; want the 4 after it", len(rest), more, err)
	}
	all := append(first[:1], rest...)
	for i := 1; i < len(all); i++ {
		if all[i-1].Key().Compare(all[i].Key()) >= 0 {
			t.Errorf("out of order at %d: %v then %v", i, all[i-1].Key(), all[i].Key())
		}
	}
	if last, more, err := s.ListTasks(ctx, owner, &k, 4); err != nil || len(last) != 4 || more {
		t.Errorf("a page that ends exactly at the end: %d tasks, more %v, %v; want 4, no more", len(last), more, err)
	}
}

// testPaginationUnderInserts pages through an owner's tasks while another
// goroutine adds newer ones: every task that existed before the walk is seen
// exactly once, in order. The inserter adds at most maxInserts tasks, so
// the walk ends however fast the engine inserts.
func testPaginationUnderInserts(t *testing.T, s domain.TaskStore) {
	const existing, pageSize, maxInserts = 25, 4, 100
	ctx := context.Background()
	owner := newOwner()
	before := map[uuid.UUID]bool{}
	at := time.Now().Add(-time.Hour)
	for i := range existing {
		tk := newTask(owner, "old")
		tk.CreatedAt = at.Add(time.Duration(i) * time.Millisecond)
		before[mustCreate(t, s, tk).ID] = true
	}
	stop := make(chan struct{})
	stopInserting := sync.OnceFunc(func() { close(stop) })
	var inserted atomic.Int32
	done := make(chan struct{}) // closed when the inserter returns
	defer func() { stopInserting(); <-done }()
	go func() {
		defer close(done)
		for range maxInserts {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.CreateTask(ctx, newTask(owner, "new")); err != nil {
				t.Error(err)
				return
			}
			inserted.Add(1)
		}
	}()
	seen := map[uuid.UUID]bool{}
	var after, prev *domain.Key
	for pages := 0; ; pages++ {
		if pages > (existing+maxInserts)/pageSize+1 {
			t.Fatal("pagination does not end")
		}
		// An insert lands between two pages while the inserter runs,
		// however the goroutines are scheduled.
		for len(seen) < existing && inserted.Load() <= int32(pages) && !closed(done) {
			runtime.Gosched()
		}
		page, more, err := s.ListTasks(ctx, owner, after, pageSize)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page {
			k := tk.Key()
			if prev != nil && prev.Compare(k) >= 0 {
				t.Fatalf("out of order: %v then %v", *prev, k)
			}
			if seen[tk.ID] {
				t.Fatalf("task %s seen twice", tk.ID)
			}
			seen[tk.ID] = true
			prev = &k
		}
		// Stop adding once the walk has passed every old task.
		if len(seen) >= existing {
			stopInserting()
		}
		if !more {
			break
		}
		after = prev
	}
	for id := range before {
		if !seen[id] {
			t.Errorf("task %s, there before the walk, was never listed", id)
		}
	}
	t.Logf("paged through %d tasks (%d inserted during the walk) in pages of %d", len(seen), inserted.Load(), pageSize)
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func newOwner() string { return "owner-" + uuid.NewString() }

func newTask(owner, title string) domain.Task {
	now := time.Now().UTC()
	return domain.Task{Record: domain.Record{ID: uuid.New(), Owner: owner, CreatedAt: now, UpdatedAt: now}, Title: title, Status: "todo"}
}

func mustCreate(t *testing.T, s domain.TaskStore, tk domain.Task) domain.Task {
	t.Helper()
	got, err := s.CreateTask(context.Background(), tk)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return got
}

// equal compares tasks field by field: times with Equal, since a database
// may return them in another location.
func equal(a, b domain.Task) bool {
	return a.ID == b.ID && a.Owner == b.Owner && a.Title == b.Title && a.Description == b.Description &&
		a.Status == b.Status && a.Version == b.Version &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}
