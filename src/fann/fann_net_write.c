/* Writing FANN's .net text: FANN_FLO_2.1 (fann_save) and FANN_FIX_2.0
 * (fann_save_to_fixed), with the keys, order and number formats libfann 2.2
 * writes, so that a net read from libfann's file is written back byte for
 * byte. Numbers are printed in the C locale whatever the application's, and
 * the file is replaced atomically. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/file.h"
#include "base/number.h"
#include "fann/fann_net_scan.h"
#include "fann/fnet_internal.h"

typedef struct net_writer {
    const zn_fnet *net;
    int fixed;
    float multiplier; /* 2^decimal_point */
    unsigned decimal_point;
} net_writer;

/* FANN's conversion of a float to fixed point: floor(v * 2^dp + 0.5), kept
 * inside int (FANN's own cast would be undefined there). */
static int to_fixed(const net_writer *w, float v) {
    double x = floor((double)(v * w->multiplier) + 0.5);
    if (!(x > -2147483648.0)) return INT32_MIN;
    if (x > 2147483647.0) return INT32_MAX;
    return (int)x;
}

/* A value FANN writes as %.20e, or in a fixed-point file as %u of its
 * fixed-point integer (so negative values print as large unsigned ones). */
static void put_scaled(FILE *f, const net_writer *w, float v, const char *after) {
    if (w->fixed)
        fprintf(f, "%u%s", (unsigned)to_fixed(w, v), after);
    else
        fprintf(f, "%.20e%s", (double)v, after);
}

/* The decimal point fann_save_to_fixed picks: the largest sum of absolute
 * incoming weights of any neuron needs `bits` integer bits; half of what is
 * left of a 32-bit int (minus sign and stepwise bits) goes to the fraction.
 * The arithmetic is FANN's (unsigned, wrapping to negative when bits > 30). */
static int fixed_decimal_point(const zn_fnet *net) {
    float max_sum = 0.0f;
    for (uint32_t n = net->layers[0].last; n < net->n_neurons; n++) {
        float sum = 0.0f;
        for (uint32_t c = net->neurons[n].first_con; c < net->neurons[n].last_con; c++) sum += fabsf(net->weights[c]);
        if (sum > max_sum) max_sum = sum;
    }
    unsigned bits = 0;
    /* An infinite sum would halve forever; a finite float needs at most 128 bits. */
    for (; max_sum >= 1.0f && bits < 200; bits++) max_sum /= 2.0f;
    return (int)(uint32_t)(((uint64_t)sizeof(int) * 8 - 2 - bits) / 2);
}

static void put_params(FILE *f, const net_writer *w) {
    const zn_fnet *net = w->net;
    for (int i = 0; i < ZN_NET_N_PARAMS; i++) {
        const zn_net_param *p = &zn_net_params[i];
        const char *field = (const char *)net + p->offset;
        if (p->kind == ZN_NET_U32 || p->kind == ZN_NET_ENUM) {
            uint32_t u;
            if (p->kind == ZN_NET_U32) {
                memcpy(&u, field, sizeof u);
            } else {
                int v;
                memcpy(&v, field, sizeof v);
                u = (uint32_t)v;
            }
            fprintf(f, "%s=%u\n", p->key, u);
        } else {
            float v;
            memcpy(&v, field, sizeof v);
            if (p->kind == ZN_NET_F32) {
                fprintf(f, "%s=%f\n", p->key, (double)v);
            } else {
                fprintf(f, "%s=", p->key);
                put_scaled(f, w, v, "\n");
            }
        }
    }
}

static void put_scale(FILE *f, const zn_fnet *net) {
    if (!net->scale_mean_in) {
        fputs("scale_included=0\n", f);
        return;
    }
    const char *keys[8] = {"scale_mean_in",  "scale_deviation_in",  "scale_new_min_in",  "scale_factor_in",
                           "scale_mean_out", "scale_deviation_out", "scale_new_min_out", "scale_factor_out"};
    const float *v[8] = {net->scale_mean_in,  net->scale_deviation_in,  net->scale_new_min_in,  net->scale_factor_in,
                         net->scale_mean_out, net->scale_deviation_out, net->scale_new_min_out, net->scale_factor_out};
    fputs("scale_included=1\n", f);
    for (int k = 0; k < 8; k++) {
        fprintf(f, "%s=", keys[k]);
        uint32_t n = k < 4 ? net->n_inputs : net->n_outputs;
        for (uint32_t j = 0; j < n; j++) fprintf(f, "%f ", v[k] ? (double)v[k][j] : 0.0);
        fputc('\n', f);
    }
}

static zn_status write_net(FILE *f, void *ctx) {
    const net_writer *w = ctx;
    const zn_fnet *net = w->net;
    fputs(w->fixed ? "FANN_FIX_2.0\n" : "FANN_FLO_2.1\n", f);
    if (w->fixed) fprintf(f, "decimal_point=%u\n", w->decimal_point);
    fprintf(f, "num_layers=%u\n", net->n_layers);
    put_params(f, w);
    fprintf(f, "cascade_activation_functions_count=%u\ncascade_activation_functions=",
            net->cascade_activation_functions_count);
    for (uint32_t i = 0; i < net->cascade_activation_functions_count; i++)
        fprintf(f, "%u ", (unsigned)net->cascade_activation_functions[i]);
    fprintf(f, "\ncascade_activation_steepnesses_count=%u\ncascade_activation_steepnesses=",
            net->cascade_activation_steepnesses_count);
    for (uint32_t i = 0; i < net->cascade_activation_steepnesses_count; i++)
        put_scaled(f, w, net->cascade_activation_steepnesses[i], " ");
    fputs("\nlayer_sizes=", f);
    for (uint32_t l = 0; l < net->n_layers; l++) fprintf(f, "%u ", net->layers[l].last - net->layers[l].first);
    fputc('\n', f);
    if (!w->fixed) put_scale(f, net);
    fputs("neurons (num_inputs, activation_function, activation_steepness)=", f);
    for (uint32_t n = 0; n < net->n_neurons; n++) {
        const zn_fnet_neuron *ne = &net->neurons[n];
        fprintf(f, "(%u, %u, ", ne->last_con - ne->first_con, (unsigned)ne->act);
        put_scaled(f, w, ne->steepness, ") ");
    }
    fputs("\nconnections (connected_to_neuron, weight)=", f);
    for (uint32_t c = 0; c < net->n_connections; c++) {
        if (w->fixed)
            fprintf(f, "(%u, %d) ", net->sources[c], to_fixed(w, net->weights[c]));
        else
            fprintf(f, "(%u, %.20e) ", net->sources[c], (double)net->weights[c]);
    }
    fputc('\n', f);
    return ferror(f) ? zn_error(ZN_ERR_IO, "write failed: %s", strerror(errno)) : ZN_OK;
}

/* What FANN's format cannot hold, or what could not be read back. */
static zn_status check(const char *fn, const zn_fnet *net, const char *path) {
    if (!net || !path) return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL argument", fn);
    for (uint32_t n = 0; n < net->n_neurons; n++) {
        if ((unsigned)net->neurons[n].act > ZN_NET_MAX_ACT)
            return zn_error(ZN_ERR_UNSUPPORTED, "%s: %s: neuron %u's activation %s has no number in FANN's files", fn,
                            path, n, zn_nact_name(net->neurons[n].act));
        if (!isfinite(net->neurons[n].steepness))
            return zn_error(ZN_ERR_INVALID_ARG, "%s: %s: neuron %u's steepness is not finite", fn, path, n);
    }
    for (uint32_t i = 0; i < net->cascade_activation_functions_count; i++)
        if ((unsigned)net->cascade_activation_functions[i] > ZN_NET_MAX_ACT)
            return zn_error(ZN_ERR_UNSUPPORTED, "%s: %s: cascade activation %s has no number in FANN's files", fn, path,
                            zn_nact_name(net->cascade_activation_functions[i]));
    for (uint32_t c = 0; c < net->n_connections; c++)
        if (!isfinite(net->weights[c]))
            return zn_error(ZN_ERR_INVALID_ARG, "%s: %s: weight %u is not finite; the file could not be read back", fn,
                            path, c);
    return ZN_OK;
}

static zn_status save(const zn_fnet *net, const char *path, int fixed, int *decimal_point) {
    const char *fn = fixed ? "zn_fnet_save_fixed" : "zn_fnet_save";
    zn_status st = check(fn, net, path);
    if (st != ZN_OK) return st;
    net_writer w = {net, fixed, 1.0f, 0};
    if (fixed) {
        int calc = fixed_decimal_point(net);
        w.decimal_point = calc < 0 ? 0u : (unsigned)calc;
        w.multiplier = (float)(1u << w.decimal_point);
        if (decimal_point) *decimal_point = calc;
    }
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    st = zn_file_write_atomic(path, write_net, &w);
    zn_c_locale_leave(&loc);
    return st;
}

zn_status zn_fnet_save(const zn_fnet *net, const char *path) { return save(net, path, 0, NULL); }

zn_status zn_fnet_save_fixed(const zn_fnet *net, const char *path, int *decimal_point) {
    return save(net, path, 1, decimal_point);
}
