/*
 * C accelerator for websockets: the per-frame hot paths of RFC 6455, section 5.
 *
 * - apply_mask: masking XORs each payload byte with one byte of a 4-byte key,
 *   cycling through the key (section 5.3). The pure-Python version lives in
 *   websockets/utils.py; both return the same bytes for the same inputs.
 * - encode_frame: a whole frame, header and masked payload, in one allocation,
 *   with masking keys drawn from a pool of OS randomness. frames.py holds the
 *   pure-Python version.
 * - read_frames: the common case of parsing, complete unfragmented text or
 *   binary frames. Anything else is left to the pure-Python parser of
 *   protocol.py, which also produces the errors.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/*
 * SSE2 is part of the x86-64 baseline, so this covers every 64-bit x86 build.
 * Defining WS_HAVE_SSE2=0 when compiling exercises the portable path instead.
 */
#ifndef WS_HAVE_SSE2
#if defined(__SSE2__) || defined(_M_X64) || defined(_M_AMD64) || \
    (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#define WS_HAVE_SSE2 1
#else
#define WS_HAVE_SSE2 0
#endif
#endif

#if WS_HAVE_SSE2
#include <emmintrin.h>
#endif

/*
 * Above this size, the GIL is released while masking. Below it, the work is so
 * short (a few microseconds) that giving the GIL away would mostly cost the
 * caller a wait to get it back from another busy thread.
 */
#define WS_RELEASE_GIL_ABOVE (64 * 1024)

#define WS_MASK_SIZE 4

/* The fields of a frame, in the order of Frame's constructor. */
#define WS_FRAME_FIELDS 6

/*
 * XOR `len` bytes of `src` with the repeated 4-byte `key` into `dst`.
 *
 * `src` and `dst` may be the same pointer. Loads and stores go through memcpy or
 * unaligned intrinsics, so neither pointer needs any alignment. Every block size
 * below is a multiple of 4, which keeps the key in phase from one loop to the
 * next without rotating it.
 */
static void
xor_with_key(const unsigned char *src, unsigned char *dst, Py_ssize_t len,
             const unsigned char key[WS_MASK_SIZE])
{
    Py_ssize_t i = 0;
    unsigned char key8[8];
    uint64_t key64;

#if WS_HAVE_SSE2
    if (len >= 16) {
        uint32_t key32;
        __m128i key128;

        memcpy(&key32, key, WS_MASK_SIZE);
        /* Native byte order in and out: the key bytes keep their memory order. */
        key128 = _mm_set1_epi32((int)key32);
        /* Four independent 16-byte lanes per iteration keep the pipeline busy. */
        for (; i + 64 <= len; i += 64) {
            __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
            __m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));
            _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, key128));
            _mm_storeu_si128((__m128i *)(dst + i + 16), _mm_xor_si128(b, key128));
            _mm_storeu_si128((__m128i *)(dst + i + 32), _mm_xor_si128(c, key128));
            _mm_storeu_si128((__m128i *)(dst + i + 48), _mm_xor_si128(d, key128));
        }
        for (; i + 16 <= len; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
            _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, key128));
        }
    }
#endif

    /* Portable path, and the 8-byte step after the SSE2 blocks. */
    memcpy(key8, key, WS_MASK_SIZE);
    memcpy(key8 + WS_MASK_SIZE, key, WS_MASK_SIZE);
    memcpy(&key64, key8, sizeof(key64));
    for (; i + 16 <= len; i += 16) {
        uint64_t a, b;
        memcpy(&a, src + i, 8);
        memcpy(&b, src + i + 8, 8);
        a ^= key64;
        b ^= key64;
        memcpy(dst + i, &a, 8);
        memcpy(dst + i + 8, &b, 8);
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t a;
        memcpy(&a, src + i, 8);
        a ^= key64;
        memcpy(dst + i, &a, 8);
    }
    for (; i < len; i++) {
        dst[i] = src[i] ^ key[i & 3];
    }
}

/*
 * Get a read-only view of `obj`'s bytes.
 *
 * Contiguous buffers are the common case and are used in place. A strided buffer
 * (e.g. memoryview(b)[::2]) is still accepted, like the pure-Python version does,
 * but its caller has to gather it with PyBuffer_ToContiguous: `*contiguous` says
 * which case applies. Objects without the buffer protocol raise TypeError.
 */
static int
get_view(PyObject *obj, Py_buffer *view, int *contiguous)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) == 0) {
        *contiguous = 1;
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_BufferError)) {
        return -1;
    }
    PyErr_Clear();
    if (PyObject_GetBuffer(obj, view, PyBUF_FULL_RO) != 0) {
        return -1;
    }
    *contiguous = PyBuffer_IsContiguous(view, 'C');
    return 0;
}

static PyObject *
mask_objects(PyObject *data, PyObject *mask)
{
    Py_buffer data_view, mask_view;
    int data_contiguous, mask_contiguous;
    unsigned char key[WS_MASK_SIZE];
    PyObject *result;
    unsigned char *out;
    const unsigned char *in;
    Py_ssize_t len;

    /* The mask is checked first, as in the pure-Python version. */
    if (get_view(mask, &mask_view, &mask_contiguous) < 0) {
        return NULL;
    }
    if (mask_view.len != WS_MASK_SIZE) {
        PyBuffer_Release(&mask_view);
        PyErr_SetString(PyExc_ValueError, "mask must contain 4 bytes");
        return NULL;
    }
    if (mask_contiguous) {
        memcpy(key, mask_view.buf, WS_MASK_SIZE);
    }
    else if (PyBuffer_ToContiguous(key, &mask_view, WS_MASK_SIZE, 'C') < 0) {
        PyBuffer_Release(&mask_view);
        return NULL;
    }
    PyBuffer_Release(&mask_view);

    if (get_view(data, &data_view, &data_contiguous) < 0) {
        return NULL;
    }
    len = data_view.len;
    result = PyBytes_FromStringAndSize(NULL, len);
    if (result == NULL) {
        PyBuffer_Release(&data_view);
        return NULL;
    }
    if (len == 0) {
        /* Possibly the shared empty bytes object: never write into it. */
        PyBuffer_Release(&data_view);
        return result;
    }
    out = (unsigned char *)PyBytes_AS_STRING(result);
    if (data_contiguous) {
        in = (const unsigned char *)data_view.buf;
    }
    else {
        /* Gather into the result, then mask it in place. */
        if (PyBuffer_ToContiguous(out, &data_view, len, 'C') < 0) {
            PyBuffer_Release(&data_view);
            Py_DECREF(result);
            return NULL;
        }
        in = out;
    }

    if (len > WS_RELEASE_GIL_ABOVE) {
        /* Safe without the GIL: the exported view keeps a bytearray from resizing. */
        Py_BEGIN_ALLOW_THREADS
        xor_with_key(in, out, len, key);
        Py_END_ALLOW_THREADS
    }
    else {
        xor_with_key(in, out, len, key);
    }

    PyBuffer_Release(&data_view);
    return result;
}

/*
 * METH_FASTCALL entry point. Parsing the two arguments by hand avoids building
 * an argument tuple, which is a measurable share of the cost for small frames.
 */
static PyObject *
apply_mask(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *data = NULL;
    PyObject *mask = NULL;
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    Py_ssize_t i;

    (void)module;
    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "apply_mask() takes at most 2 positional arguments (%zd given)", nargs);
        return NULL;
    }
    if (nargs >= 1) {
        data = args[0];
    }
    if (nargs >= 2) {
        mask = args[1];
    }
    for (i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);
        PyObject **slot;

        if (PyUnicode_CompareWithASCIIString(name, "data") == 0) {
            slot = &data;
        }
        else if (PyUnicode_CompareWithASCIIString(name, "mask") == 0) {
            slot = &mask;
        }
        else {
            PyErr_Format(PyExc_TypeError,
                         "apply_mask() got an unexpected keyword argument '%U'", name);
            return NULL;
        }
        if (*slot != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "apply_mask() got multiple values for argument '%U'", name);
            return NULL;
        }
        *slot = args[nargs + i];
    }
    if (data == NULL) {
        PyErr_SetString(PyExc_TypeError, "apply_mask() missing required argument 'data'");
        return NULL;
    }
    if (mask == NULL) {
        PyErr_SetString(PyExc_TypeError, "apply_mask() missing required argument 'mask'");
        return NULL;
    }
    return mask_objects(data, mask);
}

PyDoc_STRVAR(apply_mask_doc,
"apply_mask($module, /, data, mask)\n"
"--\n"
"\n"
"Mask or unmask data with a 4-byte mask (RFC 6455, section 5.3).\n"
"\n"
"Masking is an XOR with the mask repeated over the data, so the same call\n"
"unmasks. data and mask may be any bytes-like objects; the result is bytes.\n"
"\n"
"Raises ValueError if mask isn't 4 bytes long.");

/* -- Masking keys ------------------------------------------------------------------ */

/*
 * RFC 6455, section 5.3, requires unpredictable masking keys. Drawing them from
 * os.urandom() one at a time would cost a system call per frame, so they come
 * from a pool of random bytes, refilled when empty and discarded after fork() so
 * that a child never reuses its parent's keys.
 */
#define WS_KEY_POOL_SIZE 1024

typedef struct {
    PyObject *urandom; /* os.urandom */
    Py_ssize_t next;   /* offset of the next unused key in pool */
    unsigned char pool[WS_KEY_POOL_SIZE];
    /* The class read_frames() built frames of last, and its field descriptors. */
    PyObject *frame_class;
    PyObject *frame_setters[WS_FRAME_FIELDS];
} speedups_state;

static speedups_state *
get_state(PyObject *module)
{
    return (speedups_state *)PyModule_GetState(module);
}

/* Copy a fresh masking key to `key`. Returns -1 with an exception set on failure. */
static int
take_key(PyObject *module, unsigned char key[WS_MASK_SIZE])
{
    speedups_state *state = get_state(module);
    int status = 0;

#if PY_VERSION_HEX >= 0x030D0000
    /* Serializes pool access on free-threaded builds; a no-op with the GIL. */
    Py_BEGIN_CRITICAL_SECTION(module);
#endif
    if (state->next + WS_MASK_SIZE > WS_KEY_POOL_SIZE) {
        PyObject *fresh = PyObject_CallFunction(state->urandom, "n",
                                                (Py_ssize_t)WS_KEY_POOL_SIZE);
        if (fresh == NULL) {
            status = -1;
        }
        else if (!PyBytes_Check(fresh) || PyBytes_GET_SIZE(fresh) != WS_KEY_POOL_SIZE) {
            PyErr_SetString(PyExc_RuntimeError, "os.urandom() returned unexpected data");
            status = -1;
        }
        else {
            memcpy(state->pool, PyBytes_AS_STRING(fresh), WS_KEY_POOL_SIZE);
            state->next = 0;
        }
        Py_XDECREF(fresh);
    }
    if (status == 0) {
        memcpy(key, state->pool + state->next, WS_MASK_SIZE);
        /* A key is used once: wipe it from the pool. */
        memset(state->pool + state->next, 0, WS_MASK_SIZE);
        state->next += WS_MASK_SIZE;
    }
#if PY_VERSION_HEX >= 0x030D0000
    Py_END_CRITICAL_SECTION();
#endif
    return status;
}

static PyObject *
discard_masking_keys(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    speedups_state *state = get_state(module);

#if PY_VERSION_HEX >= 0x030D0000
    Py_BEGIN_CRITICAL_SECTION(module);
#endif
    memset(state->pool, 0, WS_KEY_POOL_SIZE);
    state->next = WS_KEY_POOL_SIZE;
#if PY_VERSION_HEX >= 0x030D0000
    Py_END_CRITICAL_SECTION();
#endif
    Py_RETURN_NONE;
}

PyDoc_STRVAR(discard_masking_keys_doc,
"discard_masking_keys($module, /)\n"
"--\n"
"\n"
"Forget the pooled masking keys: the next frame draws new ones.\n"
"\n"
"The module registers it with os.register_at_fork() to run in child processes.");

/* -- Encoding frames --------------------------------------------------------------- */

/* Parse an argument that must be a non-negative int of at most `limit`. */
static int
index_arg(PyObject *arg, const char *name, Py_ssize_t limit, Py_ssize_t *value)
{
    Py_ssize_t result;

    if (!PyLong_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", name,
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
    result = PyLong_AsSsize_t(arg);
    if (result == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (result < 0 || result > limit) {
        PyErr_Format(PyExc_ValueError, "%s must be between 0 and %zd", name, limit);
        return -1;
    }
    *value = result;
    return 0;
}

static PyObject *
encode_frame(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t first, len, header_len;
    int mask, contiguous;
    Py_buffer data_view;
    PyObject *result;
    unsigned char *out, *payload;
    const unsigned char *in;
    unsigned char key[WS_MASK_SIZE];

    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError,
                     "encode_frame() takes exactly 3 positional arguments (%zd given)", nargs);
        return NULL;
    }
    if (index_arg(args[0], "first", 255, &first) < 0) {
        return NULL;
    }
    mask = PyObject_IsTrue(args[2]);
    if (mask < 0) {
        return NULL;
    }
    if (get_view(args[1], &data_view, &contiguous) < 0) {
        return NULL;
    }
    len = data_view.len;
    header_len = (len < 126 ? 2 : len < 65536 ? 4 : 10) + (mask ? WS_MASK_SIZE : 0);
    if (len > PY_SSIZE_T_MAX - header_len) {
        PyBuffer_Release(&data_view);
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(NULL, header_len + len);
    if (result == NULL) {
        PyBuffer_Release(&data_view);
        return NULL;
    }
    out = (unsigned char *)PyBytes_AS_STRING(result);
    out[0] = (unsigned char)first;
    if (len < 126) {
        out[1] = (unsigned char)len;
    }
    else if (len < 65536) {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
    }
    else {
        uint64_t length = (uint64_t)len;
        int i;

        out[1] = 127;
        for (i = 0; i < 8; i++) {
            out[9 - i] = (unsigned char)(length >> (8 * i));
        }
    }
    payload = out + header_len;

    if (contiguous) {
        in = (const unsigned char *)data_view.buf;
    }
    else {
        if (PyBuffer_ToContiguous(payload, &data_view, len, 'C') < 0) {
            goto error;
        }
        in = payload;
    }
    if (!mask) {
        if (in != payload) {
            memcpy(payload, in, (size_t)len);
        }
        PyBuffer_Release(&data_view);
        return result;
    }

    out[1] |= 0x80;
    if (take_key(module, key) < 0) {
        goto error;
    }
    memcpy(payload - WS_MASK_SIZE, key, WS_MASK_SIZE);
    if (len > WS_RELEASE_GIL_ABOVE) {
        Py_BEGIN_ALLOW_THREADS
        xor_with_key(in, payload, len, key);
        Py_END_ALLOW_THREADS
    }
    else {
        xor_with_key(in, payload, len, key);
    }
    PyBuffer_Release(&data_view);
    return result;

error:
    PyBuffer_Release(&data_view);
    Py_DECREF(result);
    return NULL;
}

PyDoc_STRVAR(encode_frame_doc,
"encode_frame($module, first, data, mask, /)\n"
"--\n"
"\n"
"Encode a frame from its first byte (FIN, RSV bits, opcode) and its payload.\n"
"\n"
"The length takes the shortest of its three encodings. With mask true, the\n"
"payload is masked with a fresh random key, as clients must.");

/* -- Reading frames ---------------------------------------------------------------- */

#define WS_FIN_TEXT 0x81
#define WS_FIN_BINARY 0x82

static const char *const frame_fields[WS_FRAME_FIELDS] = {
    "opcode", "data", "fin", "rsv1", "rsv2", "rsv3",
};

/* Forget the cached frame class. */
static void
clear_frame_class(speedups_state *state)
{
    int i;

    Py_CLEAR(state->frame_class);
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        Py_CLEAR(state->frame_setters[i]);
    }
}

/*
 * Look up the data descriptors that set the fields of `cls`, e.g. the slots of
 * a dataclass, and cache them. Frames are then built by setting each field
 * through its descriptor, as object.__new__() followed by attribute assignments
 * would, without the cost of running __init__ in the interpreter.
 */
static int
load_frame_class(speedups_state *state, PyObject *cls)
{
    PyObject *setters[WS_FRAME_FIELDS] = {NULL};
    int i;

    if (state->frame_class == cls) {
        return 0;
    }
    if (!PyType_Check(cls)) {
        PyErr_Format(PyExc_TypeError, "frame_class must be a class, not %.100s",
                     Py_TYPE(cls)->tp_name);
        return -1;
    }
    if (((PyTypeObject *)cls)->tp_itemsize != 0) {
        PyErr_SetString(PyExc_TypeError, "frame_class must have fixed-size instances");
        return -1;
    }
    /*
     * Instances are allocated without running __new__: only classes whose __new__
     * is object's, e.g. not a subclass of dict, can be built that way safely.
     */
    if (((PyTypeObject *)cls)->tp_new != PyBaseObject_Type.tp_new ||
        ((PyTypeObject *)cls)->tp_alloc != PyType_GenericAlloc) {
        PyErr_SetString(PyExc_TypeError,
                        "frame_class must be a plain class, without a __new__ of its own");
        return -1;
    }
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        PyObject *descr = PyObject_GetAttrString(cls, frame_fields[i]);

        if (descr == NULL) {
            goto error;
        }
        setters[i] = descr;
        if (Py_TYPE(descr)->tp_descr_set == NULL) {
            PyErr_Format(PyExc_TypeError, "frame_class.%s must be a slot or a data descriptor",
                         frame_fields[i]);
            goto error;
        }
    }
    clear_frame_class(state);
    state->frame_class = Py_NewRef(cls);
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        state->frame_setters[i] = setters[i];
    }
    return 0;

error:
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        Py_XDECREF(setters[i]);
    }
    return -1;
}

/* Build a final frame without RSV bits. Steals no reference. */
static PyObject *
new_frame(PyTypeObject *cls, PyObject *const *setters, PyObject *opcode, PyObject *payload)
{
    PyObject *values[WS_FRAME_FIELDS] = {opcode, payload, Py_True, Py_False, Py_False, Py_False};
    PyObject *frame = cls->tp_alloc(cls, 0);
    int i;

    if (frame == NULL) {
        return NULL;
    }
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        PyObject *setter = setters[i];

        if (Py_TYPE(setter)->tp_descr_set(setter, frame, values[i]) < 0) {
            Py_DECREF(frame);
            return NULL;
        }
    }
    return frame;
}

/* Whether `len` bytes are ASCII, checked 8 bytes at a time. */
static int
is_ascii(const unsigned char *data, Py_ssize_t len)
{
    Py_ssize_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t block;

        memcpy(&block, data + i, 8);
        if (block & UINT64_C(0x8080808080808080)) {
            return 0;
        }
    }
    for (; i < len; i++) {
        if (data[i] & 0x80) {
            return 0;
        }
    }
    return 1;
}

/* 1 if valid UTF-8, 0 if not, -1 with an exception set on other errors. */
static int
is_utf8(const unsigned char *data, Py_ssize_t len)
{
    PyObject *text;

    if (is_ascii(data, len)) {
        return 1;
    }
    /* CPython's decoder is the reference: use it for anything else. */
    text = PyUnicode_DecodeUTF8((const char *)data, len, "strict");
    if (text != NULL) {
        Py_DECREF(text);
        return 1;
    }
    if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

/*
 * Read the frame that starts at buf[pos] if it's a simple one (see the docstring
 * of read_frames). Returns the position after it and sets `*payload`, or returns
 * `pos` for a frame left to Python, or -1 with an exception set.
 */
static Py_ssize_t
read_simple_frame(const unsigned char *buf, Py_ssize_t pos, Py_ssize_t end, int masked,
                  Py_ssize_t max_size, int *text, PyObject **payload)
{
    Py_ssize_t start = pos;
    uint64_t length;
    const unsigned char *key = NULL;
    unsigned char *out;
    int first, valid;

    if (end - pos < 2) {
        return start;
    }
    first = buf[pos];
    if (first != WS_FIN_TEXT && first != WS_FIN_BINARY) {
        return start;
    }
    if (((buf[pos + 1] & 0x80) != 0) != (masked != 0)) {
        return start;
    }
    length = buf[pos + 1] & 0x7F;
    pos += 2;
    if (length == 126) {
        if (end - pos < 2) {
            return start;
        }
        length = ((uint64_t)buf[pos] << 8) | buf[pos + 1];
        pos += 2;
    }
    else if (length == 127) {
        int i;

        if (end - pos < 8) {
            return start;
        }
        length = 0;
        for (i = 0; i < 8; i++) {
            length = (length << 8) | buf[pos + i];
        }
        pos += 8;
    }
    if (masked) {
        if (end - pos < WS_MASK_SIZE) {
            return start;
        }
        key = buf + pos;
        pos += WS_MASK_SIZE;
    }
    /* Frames over the limit or not complete yet are left to the Python parser. */
    if (length > (uint64_t)(end - pos) || (max_size >= 0 && length > (uint64_t)max_size)) {
        return start;
    }

    *payload = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)length);
    if (*payload == NULL) {
        return -1;
    }
    out = (unsigned char *)PyBytes_AS_STRING(*payload);
    if (key != NULL) {
        xor_with_key(buf + pos, out, (Py_ssize_t)length, key);
    }
    else if (length > 0) {
        memcpy(out, buf + pos, (size_t)length);
    }
    *text = first == WS_FIN_TEXT;
    if (*text) {
        /* Invalid UTF-8 is left to Python, which reports where it is. */
        valid = is_utf8(out, (Py_ssize_t)length);
        if (valid <= 0) {
            Py_CLEAR(*payload);
            return valid < 0 ? -1 : start;
        }
    }
    return pos + (Py_ssize_t)length;
}

static PyObject *
read_frames(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    speedups_state *state = get_state(module);
    Py_buffer view;
    Py_ssize_t pos, end, max_size = -1;
    PyObject *events, *opcodes, *result = NULL;
    PyTypeObject *cls = NULL;
    PyObject *setters[WS_FRAME_FIELDS] = {NULL};
    int masked, status, i, read_nothing = 0;

    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError,
                     "read_frames() takes exactly 7 positional arguments (%zd given)", nargs);
        return NULL;
    }
    if (index_arg(args[1], "pos", PY_SSIZE_T_MAX, &pos) < 0) {
        return NULL;
    }
    masked = PyObject_IsTrue(args[2]);
    if (masked < 0) {
        return NULL;
    }
    if (args[3] != Py_None) {
        long long limit;
        int overflow;

        if (!PyLong_Check(args[3])) {
            PyErr_Format(PyExc_TypeError, "max_size must be an int or None, not %.100s",
                         Py_TYPE(args[3])->tp_name);
            return NULL;
        }
        limit = PyLong_AsLongLongAndOverflow(args[3], &overflow);
        if (limit == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (overflow > 0 || limit > PY_SSIZE_T_MAX) {
            max_size = -1; /* more than any buffer holds: no limit */
        }
        else if (overflow < 0 || limit < 0) {
            /* Every frame is too long: the Python parser reports it. */
            read_nothing = 1;
        }
        else {
            max_size = (Py_ssize_t)limit;
        }
    }
    events = args[4];
    if (!PyList_Check(events)) {
        PyErr_Format(PyExc_TypeError, "events must be a list, not %.100s",
                     Py_TYPE(events)->tp_name);
        return NULL;
    }
    opcodes = args[6];
    if (!PyTuple_Check(opcodes) || PyTuple_GET_SIZE(opcodes) != 3) {
        PyErr_SetString(PyExc_TypeError, "opcodes must be a tuple of 3 items");
        return NULL;
    }
    /*
     * Use references of our own to the class and its setters: on free-threaded
     * builds, another thread could replace the cached ones meanwhile.
     */
#if PY_VERSION_HEX >= 0x030D0000
    Py_BEGIN_CRITICAL_SECTION(module);
#endif
    status = load_frame_class(state, args[5]);
    if (status == 0) {
        cls = (PyTypeObject *)Py_NewRef(state->frame_class);
        for (i = 0; i < WS_FRAME_FIELDS; i++) {
            setters[i] = Py_NewRef(state->frame_setters[i]);
        }
    }
#if PY_VERSION_HEX >= 0x030D0000
    Py_END_CRITICAL_SECTION();
#endif
    if (status < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        goto done;
    }
    end = read_nothing ? 0 : view.len;

    while (pos < end) {
        PyObject *payload = NULL, *frame;
        int text = 0;
        Py_ssize_t next = read_simple_frame((const unsigned char *)view.buf, pos, end, masked,
                                            max_size, &text, &payload);

        if (next < 0) {
            goto release;
        }
        if (next == pos) {
            break;
        }
        frame = new_frame(cls, setters, PyTuple_GET_ITEM(opcodes, text ? 1 : 2), payload);
        Py_DECREF(payload);
        if (frame == NULL) {
            goto release;
        }
        status = PyList_Append(events, frame);
        Py_DECREF(frame);
        if (status < 0) {
            goto release;
        }
        pos = next;
    }
    result = PyLong_FromSsize_t(pos);

release:
    PyBuffer_Release(&view);
done:
    Py_DECREF(cls);
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        Py_DECREF(setters[i]);
    }
    return result;
}

PyDoc_STRVAR(read_frames_doc,
"read_frames($module, data, pos, mask, max_size, events, frame_class, opcodes, /)\n"
"--\n"
"\n"
"Read the unfragmented text and binary frames that start at data[pos].\n"
"\n"
"Append one frame_class instance per frame to the events list, and return the\n"
"position after the last one. A frame is read if it is complete, final, without\n"
"RSV bits, masked if and only if mask is true, no longer than max_size (None:\n"
"no limit) and, for text, valid UTF-8; reading stops at the first other one,\n"
"which the caller parses the long way, also to report errors.\n"
"\n"
"Instances are built without calling __init__: their fields opcode, data, fin,\n"
"rsv1, rsv2 and rsv3 (slots or other data descriptors) are set to\n"
"opcodes[1] for text or opcodes[2] for binary, the unmasked payload as bytes,\n"
"True, False, False and False.");

static PyMethodDef speedups_methods[] = {
    {"apply_mask", (PyCFunction)(void (*)(void))apply_mask,
     METH_FASTCALL | METH_KEYWORDS, apply_mask_doc},
    {"encode_frame", (PyCFunction)(void (*)(void))encode_frame, METH_FASTCALL,
     encode_frame_doc},
    {"read_frames", (PyCFunction)(void (*)(void))read_frames, METH_FASTCALL, read_frames_doc},
    {"discard_masking_keys", discard_masking_keys, METH_NOARGS, discard_masking_keys_doc},
    {NULL, NULL, 0, NULL},
};

static int
speedups_exec(PyObject *module)
{
    speedups_state *state = get_state(module);
    PyObject *os, *all;
    int status;

    state->next = WS_KEY_POOL_SIZE; /* empty: filled on first use */
    os = PyImport_ImportModule("os");
    if (os == NULL) {
        return -1;
    }
    state->urandom = PyObject_GetAttrString(os, "urandom");
    if (state->urandom == NULL) {
        Py_DECREF(os);
        return -1;
    }
    /* After fork(), parent and child would draw the same keys from identical pools. */
    if (PyObject_HasAttrString(os, "register_at_fork")) {
        PyObject *discard = PyObject_GetAttrString(module, "discard_masking_keys");
        PyObject *result = NULL;

        if (discard != NULL) {
            PyObject *register_at_fork = PyObject_GetAttrString(os, "register_at_fork");
            PyObject *args = PyTuple_New(0);
            PyObject *kwargs = Py_BuildValue("{s:O}", "after_in_child", discard);

            if (register_at_fork != NULL && args != NULL && kwargs != NULL) {
                result = PyObject_Call(register_at_fork, args, kwargs);
            }
            Py_XDECREF(register_at_fork);
            Py_XDECREF(args);
            Py_XDECREF(kwargs);
            Py_DECREF(discard);
        }
        if (result == NULL) {
            Py_DECREF(os);
            return -1;
        }
        Py_DECREF(result);
    }
    Py_DECREF(os);
    all = Py_BuildValue("[ssss]", "apply_mask", "discard_masking_keys", "encode_frame",
                        "read_frames");
    if (all == NULL) {
        return -1;
    }
    status = PyModule_AddObjectRef(module, "__all__", all);
    Py_DECREF(all);
    return status;
}

static int
speedups_traverse(PyObject *module, visitproc visit, void *arg)
{
    speedups_state *state = get_state(module);
    int i;

    Py_VISIT(state->urandom);
    Py_VISIT(state->frame_class);
    for (i = 0; i < WS_FRAME_FIELDS; i++) {
        Py_VISIT(state->frame_setters[i]);
    }
    return 0;
}

static int
speedups_clear(PyObject *module)
{
    speedups_state *state = get_state(module);

    Py_CLEAR(state->urandom);
    clear_frame_class(state);
    return 0;
}

static void
speedups_free(void *module)
{
    (void)speedups_clear((PyObject *)module);
}

/*
 * The only state, the key pool, is per module object, hence per interpreter;
 * take_key() guards it on free-threaded builds.
 */
static PyModuleDef_Slot speedups_slots[] = {
    {Py_mod_exec, (void *)speedups_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

PyDoc_STRVAR(speedups_doc,
"C implementation of the hot paths of websockets (optional).\n"
"\n"
"Each function has a pure-Python counterpart in websockets.utils, .frames or\n"
".protocol, which is used when this module isn't built.");

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "websockets.speedups",
    speedups_doc,
    sizeof(speedups_state),
    speedups_methods,
    speedups_slots,
    speedups_traverse,
    speedups_clear,
    speedups_free,
};

PyMODINIT_FUNC
PyInit_speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
