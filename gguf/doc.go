// Package gguf reads and writes GGUF files, the model files of ggml and
// llama.cpp (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md),
// version 3, little-endian.
//
// A file is a header (magic "GGUF", version, tensor and key-value counts),
// metadata key-value pairs of 13 value types (see KV), tensor infos (name,
// dimensions ne with ne[0] innermost, ggml type, data offset), zero padding
// to the alignment (general.alignment, default 32), and the tensor data,
// each tensor at an aligned offset from the start of the data section and
// padded to the alignment.
//
// Reading: Open maps the file and Decode reads any io.ReaderAt; both read
// the header, metadata and infos only, and give the tensor data as views
// (TensorReader, TensorData) without copying it. Every malformed input is a
// *FormatError naming the field and its byte offset and wrapping one of the
// sentinels (ErrTruncated, ErrMagic, ErrVersion, ErrType, ErrRange,
// ErrAlign, ErrDuplicate, ErrBounds); no count or length is trusted before
// it is checked against the bytes left, so allocation is bounded by the
// file size. FuzzRead fuzzes this.
//
// Writing: NewWriter (to an io.Writer) or Create (to a file, atomically)
// take the metadata and tensor infos, write the header at once, then take
// the tensors' data through Write, in order, padding between tensors, so
// that no tensor need be in memory whole. Offsets are laid out as ggml's
// writer lays them out (consecutive, each padded): for the same metadata,
// infos and data the bytes equal gguf_write_to_file's (tested on files ggml
// wrote), given a Shape without trailing 1s, which ggml drops.
//
// Where this package and ggml's gguf.cpp differ, on purpose:
//   - the reader rejects a bool byte other than 0 and 1 (the spec calls it
//     invalid; ggml reads it as true);
//   - arrays of arrays are read and written (the spec allows them; ggml
//     rejects them, so a file that has them does not load in ggml);
//   - tensor data must be aligned, inside the file and not overlapping, but
//     need not be consecutive in info order as ggml's reader demands;
//   - the final padding after the last tensor may be missing.
//
// As in ggml: versions 2 and 3 are read (1 is not); keys must be non-empty
// and unique; general.alignment must be a uint32 power of two; tensor names
// are unique and at most MaxNameLen (63) bytes; at most MaxDims (4)
// dimensions, each below 2^63; removed and unknown ggml types are errors;
// ne[0] must be a multiple of the type's block size; a file without tensors
// has its data section where the metadata ends.
//
// Note for users of ggml's own writer: gguf_set_val_u32("general.alignment")
// on a context from gguf_init_empty does not change the padding
// gguf_write_to_file uses (only a context read from a file takes it), so
// such a file declares one alignment and is padded to another;
// testdata/gguf/oracle.py works around it.
package gguf
