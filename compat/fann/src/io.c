/* FANN's .net files through the engine's reader and writer, with libfann's
 * error codes and messages. */
#include <string.h>

#include "fann_compat.h"

/* The field named in the engine's message ("...field 'name'..."), for
 * FANN's "Error reading \"name\" from configuration file" message. */
static void field_of_message(const char *msg, char *out, size_t cap) {
    const char *p = msg ? strstr(msg, "field '") : NULL;
    size_t n = 0;
    if (p) {
        p += strlen("field '");
        while (p[n] && p[n] != '\'' && n + 1 < cap) n++;
        memcpy(out, p, n);
    }
    out[n] = '\0';
    if (!n) snprintf(out, cap, "%s", "parameters");
}

struct fann *fann_create_from_file(const char *configuration_file) {
    zn_fnet *net = NULL;
    int code = 0;
    const char *file = configuration_file ? configuration_file : "(null)";
    if (zn_fnet_load_fann_errno(configuration_file, &net, &code) != ZN_OK) {
        char field[128];
        switch ((enum fann_errno_enum)code) {
        case FANN_E_WRONG_NUM_CONNECTIONS: zf_error(NULL, FANN_E_WRONG_NUM_CONNECTIONS, 0, 0); break;
        case FANN_E_CANT_READ_CONFIG:
            field_of_message(zn_last_error(), field, sizeof field);
            zf_error(NULL, FANN_E_CANT_READ_CONFIG, field, file);
            break;
        case FANN_E_CANT_OPEN_CONFIG_R:
        case FANN_E_WRONG_CONFIG_VERSION:
        case FANN_E_CANT_READ_NEURON:
        case FANN_E_CANT_READ_CONNECTIONS: zf_error(NULL, (enum fann_errno_enum)code, file); break;
        default: zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM); break;
        }
        return NULL;
    }
    return zf_wrap(net);
}

int fann_save(struct fann *ann, const char *configuration_file) {
    if (zn_fnet_save(ann->zn_net, configuration_file) != ZN_OK) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_OPEN_CONFIG_W,
                 configuration_file ? configuration_file : "(null)");
        return -1;
    }
    return 0;
}

int fann_save_to_fixed(struct fann *ann, const char *configuration_file) {
    int decimal_point = 0;
    if (zn_fnet_save_fixed(ann->zn_net, configuration_file, &decimal_point) != ZN_OK) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_OPEN_CONFIG_W,
                 configuration_file ? configuration_file : "(null)");
        return -1;
    }
    return decimal_point;
}
