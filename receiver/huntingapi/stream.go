package huntingapi

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// streamBuffer is the size a response's read buffer starts at: about a hundred rows of
// DeviceProcessEvents, so that refills (and the re-reads of the row each one cuts) are rare. It
// grows for an element larger than half of it, doubling up to MaxRowBytes (16 MiB, six doublings):
// an element that fills that fails the response, so that one row, or a body that never closes a
// string, cannot take memory without bound.
const streamBuffer = 256 << 10

// readBuffers keeps read buffers of streamBuffer bytes from one response to the next. A fresh
// buffer per response was a large allocation each time: the runtime cleared it, and after it was
// freed the scavenger handed its pages back to the OS only for the next response to fault them in
// again. Grown buffers are not kept, so that one huge row does not pin its buffer.
var readBuffers = sync.Pool{New: func() any { return new([streamBuffer]byte) }}

// stream holds the part of a response body being read. Elements (a key, a value, a row) are read
// in place from its buffer; one that runs past what has arrived is read again from its start once
// more has arrived, so that the body is read once and never held whole.
type stream struct {
	r        io.Reader
	buf      []byte // buf[pos:end] is read from the body and not yet consumed
	pos, end int
	limit    int   // the most the buffer grows to, so the largest element: MaxRowBytes, but for tests
	eof      bool  // the body has no more
	err      error // the body's read error, other than io.EOF
}

// newStream reads r through a buffer that starts at size bytes and grows to at most limit; a
// buffer larger than limit would let an element over the limit through, so it starts at limit then.
func newStream(r io.Reader, size, limit int) *stream {
	if size == streamBuffer && limit >= streamBuffer {
		return &stream{r: r, buf: readBuffers.Get().(*[streamBuffer]byte)[:], limit: limit}
	}
	return &stream{r: r, buf: make([]byte, min(size, limit)), limit: limit}
}

// release gives the buffer back for the next response; the stream must not be read after it.
func (s *stream) release() {
	if len(s.buf) == streamBuffer {
		readBuffers.Put((*[streamBuffer]byte)(s.buf))
	}
	s.buf = nil
}

// next reads one element: read gets the unconsumed data and returns how much of it the element
// took, or an error matching io.ErrUnexpectedEOF when the data ends inside the element, to be
// called again with more. At the end of the body that error is returned: the body is cut off.
func (s *stream) next(read func(data []byte) (int, error)) error {
	for {
		n, err := read(s.buf[s.pos:s.end])
		if err == nil {
			s.pos += n
			return nil
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) || s.eof {
			return err
		}
		if err := s.fill(); err != nil {
			return err
		}
	}
}

// peek skips white space and returns the next byte without consuming it; 0 at the end of the body.
func (s *stream) peek() (byte, error) {
	for {
		for ; s.pos < s.end; s.pos++ {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
			default:
				return c, nil
			}
		}
		if s.eof {
			return 0, nil
		}
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
}

// fill moves the unconsumed data to the front of the buffer (doubling the buffer, up to
// its limit, when that data takes more than half of it) and reads from the body until the
// buffer is full or the body ends. An element that fills the largest buffer is an error.
func (s *stream) fill() error {
	if s.err != nil {
		return s.err
	}
	unconsumed := s.buf[s.pos:s.end]
	if len(unconsumed) > len(s.buf)/2 && len(s.buf) < s.limit {
		s.buf = append(make([]byte, 0, min(2*len(s.buf), s.limit)), unconsumed...)
		s.buf = s.buf[:cap(s.buf)]
	} else {
		copy(s.buf, unconsumed)
	}
	s.pos, s.end = 0, len(unconsumed)
	if s.end == len(s.buf) {
		s.err = elementTooLarge{s.limit}
		return s.err
	}
	for s.end < len(s.buf) {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		switch {
		case err == io.EOF:
			s.eof = true
			return nil
		case err != nil:
			s.err = err
			return err
		}
	}
	return nil
}

// elementTooLarge is the stream's error for an element (a row, the Schema) that does not fit the
// largest buffer: it is longer than limit bytes.
type elementTooLarge struct{ limit int }

func (e elementTooLarge) Error() string {
	return fmt.Sprintf("an element of the response exceeds %s, the limit for one element",
		byteCount(e.limit))
}

// byteCount writes a size in bytes, and in MiB when it is a whole number of them.
func byteCount(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d bytes (%d MiB)", n, n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
