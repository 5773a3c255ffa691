{
  "targets": [
    {
      "target_name": "pegasus_native",
      "sources": [
        "native/addon.cc",
        "native/staging.cc",
        "native/gemm.cc",
        "native/conv.cc",
        "native/batchnorm.cc",
        "native/elementwise.cc",
        "native/layout.cc",
        "native/pool.cc",
        "native/softmax.cc",
        "native/blocked.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-mavx2", "-mfma", "-fno-math-errno", "-fno-trapping-math", "-fopenmp", "-fexceptions"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"]
    }
  ]
}
