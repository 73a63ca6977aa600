package huntingapi

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves goroutines behind, such as those of an httptest server or of
// its client's keep-alive connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
