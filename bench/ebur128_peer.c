/* The peer for the analyze benchmark: libebur128 computing integrated loudness, loudness range
 * and true peak of one file, read in blocks through libsndfile. Prints the three figures. */
#include <ebur128.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 2) { fprintf(stderr, "usage: ebur128_peer FILE\n"); return 2; }
  SF_INFO info = {0};
  SNDFILE* f = sf_open(argv[1], SFM_READ, &info);
  if (!f) { fprintf(stderr, "%s: %s\n", argv[1], sf_strerror(NULL)); return 3; }
  ebur128_state* st = ebur128_init((unsigned)info.channels, (unsigned long)info.samplerate,
                                   EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK);
  enum { BLOCK = 8192 };
  float* buf = malloc(sizeof(float) * BLOCK * (size_t)info.channels);
  sf_count_t n;
  while ((n = sf_readf_float(f, buf, BLOCK)) > 0) ebur128_add_frames_float(st, buf, (size_t)n);
  double i = 0, lra = 0, tp = 0, x;
  ebur128_loudness_global(st, &i);
  ebur128_loudness_range(st, &lra);
  for (int c = 0; c < info.channels; ++c)
    if (ebur128_true_peak(st, (unsigned)c, &x) == EBUR128_SUCCESS && x > tp) tp = x;
  printf("I %.2f LUFS  LRA %.2f LU  TP %.2f dBTP\n", i, lra, 20 * log10(tp));
  free(buf);
  ebur128_destroy(&st);
  sf_close(f);
  return 0;
}
