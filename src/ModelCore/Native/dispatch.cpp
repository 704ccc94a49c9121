// Boxed operator calls through the c10 dispatcher: one entry point for every ATen operator.
// The dispatcher applies autograd, autocast and device dispatch exactly as for C++ callers.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <cstring>
#include "common.h"

namespace {

c10::IValue to_ivalue(const mp_arg& a) {
  switch (a.kind) {
    case MP_NONE: return c10::IValue();
    case MP_TENSOR:
      return a.p ? c10::IValue(*static_cast<at::Tensor*>(a.p)) : c10::IValue();
    case MP_INT: return c10::IValue(a.i);
    case MP_DOUBLE: return c10::IValue(a.d);
    case MP_BOOL: return c10::IValue(a.i != 0);
    case MP_INT_LIST: {
      auto p = static_cast<const int64_t*>(a.p);
      return c10::IValue(std::vector<int64_t>(p, p + a.i));
    }
    case MP_DOUBLE_LIST: {
      auto p = static_cast<const double*>(a.p);
      return c10::IValue(std::vector<double>(p, p + a.i));
    }
    case MP_TENSOR_LIST: {
      auto p = static_cast<at::Tensor* const*>(a.p);
      std::vector<at::Tensor> v;
      v.reserve(a.i);
      for (int64_t k = 0; k < a.i; ++k) v.push_back(mp::tensor(p[k]));
      return c10::IValue(v);
    }
    case MP_OPT_TENSOR_LIST: {
      auto p = static_cast<at::Tensor* const*>(a.p);
      c10::List<c10::optional<at::Tensor>> v;
      for (int64_t k = 0; k < a.i; ++k)
        v.push_back(p[k] ? c10::optional<at::Tensor>(*p[k]) : c10::nullopt);
      return c10::IValue(v);
    }
    case MP_DEVICE:
      return c10::IValue(c10::Device(a.aux == 1 ? c10::DeviceType::CUDA : c10::DeviceType::CPU,
                                     static_cast<c10::DeviceIndex>(a.i)));
    case MP_STRING: return c10::IValue(std::string(static_cast<const char*>(a.p)));
    default: throw std::invalid_argument("unknown argument kind " + std::to_string(a.kind));
  }
}

void push_result(const c10::IValue& v, mp_arg* outs, int32_t max_outs, int32_t* n) {
  auto slot = [&]() -> mp_arg& {
    if (*n >= max_outs) throw std::runtime_error("operator returned more results than expected");
    mp_arg& o = outs[(*n)++];
    std::memset(&o, 0, sizeof(o));
    return o;
  };
  if (v.isTensor()) {
    mp_arg& o = slot();
    o.kind = MP_TENSOR;
    o.p = mp::own(v.toTensor());
  } else if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector()) {
      mp_arg& o = slot();
      o.kind = MP_TENSOR;
      o.p = mp::own(t);
    }
  } else if (v.isInt()) {
    mp_arg& o = slot();
    o.kind = MP_INT;
    o.i = v.toInt();
  } else if (v.isDouble()) {
    mp_arg& o = slot();
    o.kind = MP_DOUBLE;
    o.d = v.toDouble();
  } else if (v.isBool()) {
    mp_arg& o = slot();
    o.kind = MP_BOOL;
    o.i = v.toBool();
  } else if (v.isNone()) {
    slot().kind = MP_NONE;
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) push_result(e, outs, max_outs, n);
  } else {
    throw std::runtime_error(std::string("unsupported result type ") + v.tagKind());
  }
}

}  // namespace

extern "C" {

int mp_op_find(const char* name, const char* overload, mp_op* out) {
  MP_TRY({
    // OperatorHandle is a cheap copyable view; one heap copy per (name, overload), cached by C#.
    auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
    *out = new c10::OperatorHandle(handle);
  })
}

int mp_op_schema(mp_op op, char* buf, int64_t cap) {
  MP_TRY({
    std::ostringstream s;
    s << static_cast<c10::OperatorHandle*>(op)->schema();
    std::string text = s.str();
    std::snprintf(buf, static_cast<size_t>(cap), "%s", text.c_str());
  })
}

int mp_op_call(mp_op op, const mp_arg* args, int32_t nargs, mp_arg* outs, int32_t max_outs,
               int32_t* n_outs) {
  *n_outs = 0;
  MP_TRY({
    auto& handle = *static_cast<c10::OperatorHandle*>(op);
    torch::jit::Stack stack;
    stack.reserve(nargs);
    for (int32_t k = 0; k < nargs; ++k) stack.push_back(to_ivalue(args[k]));
    handle.callBoxed(stack);
    int32_t n = 0;
    try {
      for (const auto& v : stack) push_result(v, outs, max_outs, &n);
    } catch (...) {
      for (int32_t k = 0; k < n; ++k)
        if (outs[k].kind == MP_TENSOR) delete static_cast<at::Tensor*>(outs[k].p);
      throw;
    }
    *n_outs = n;
  })
}

}  // extern "C"
