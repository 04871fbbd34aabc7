/*
 * C accelerator for websockets: masking and unmasking of frame payloads
 * (RFC 6455, section 5.3).
 *
 * Masking XORs each payload byte with one byte of a 4-byte key, cycling through
 * the key. The pure-Python fallback lives in websockets/utils.py; both must
 * return the same bytes for the same inputs.
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

static PyMethodDef speedups_methods[] = {
    {"apply_mask", (PyCFunction)(void (*)(void))apply_mask,
     METH_FASTCALL | METH_KEYWORDS, apply_mask_doc},
    {NULL, NULL, 0, NULL},
};

static int
speedups_exec(PyObject *module)
{
    PyObject *all = Py_BuildValue("[s]", "apply_mask");
    int status;

    if (all == NULL) {
        return -1;
    }
    status = PyModule_AddObjectRef(module, "__all__", all);
    Py_DECREF(all);
    return status;
}

/* The module holds no state, so it suits subinterpreters and free threading. */
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
"websockets.utils holds the pure-Python equivalents.");

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "websockets.speedups",
    speedups_doc,
    0,
    speedups_methods,
    speedups_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit_speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
